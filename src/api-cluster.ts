import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './logger.js';

/**
 * API_PROCESSES=N: `badgeworks api` as N processes on one port (node:cluster; the primary accepts
 * connections and hands them out round-robin), the one-machine way to use more than one core.
 * Each process is a whole stateless api replica — its own database pool, Redis connections and
 * in-process caches, which the invalidation bus keeps in step as it does across machines.
 *
 * The primary serves nothing itself. It replaces a process that dies (after a second, so a crash
 * loop cannot spin), gives up when they keep dying at start, and on SIGTERM/SIGINT passes the
 * signal on and waits for every process to drain and exit (a second signal ends them at once).
 */
const RESTART_DELAY_MS = 1000;
/** More deaths than this within a minute, N processes or not: something is wrong with the setup. */
const MAX_DEATHS_PER_MINUTE = 5;

export function runApiCluster(processes: number, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const deaths: number[] = [];
    // Our own count: cluster.workers drops a worker only once its IPC channel has closed too.
    const live = new Set<Worker>();
    const start = () => live.add(cluster.fork());

    cluster.on('exit', (worker, code, signal) => {
      live.delete(worker);
      if (stopping) {
        // A process that failed its drain makes the whole stop a failure, as it would alone.
        if (code !== 0) process.exitCode = 1;
        if (live.size === 0) resolve();
        return;
      }
      const now = Date.now();
      deaths.push(now);
      while (deaths.length && now - deaths[0] > 60_000) deaths.shift();
      if (deaths.length > MAX_DEATHS_PER_MINUTE) {
        logger.error({ deaths: deaths.length }, 'api processes keep exiting: stopping');
        process.exitCode = 1;
        return stop('SIGTERM');
      }
      logger.error({ pid: worker.process.pid, code, signal }, 'api process exited: starting another');
      setTimeout(() => !stopping && start(), RESTART_DELAY_MS).unref();
    });

    function stop(signal: NodeJS.Signals): void {
      if (stopping) {
        // A second signal (Ctrl-C again) stops at once, as it does a single process.
        logger.warn({ signal }, 'second signal: exiting now');
        for (const w of live) w.process.kill('SIGKILL');
        process.exit(130);
      }
      stopping = true;
      process.stdout.write(`\n${signal}: stopping ${processes} api processes\n`);
      if (live.size === 0) return resolve();
      for (const w of live) w.process.kill('SIGTERM');
    }
    // Whatever the signal (a terminal's Ctrl-C reaches the whole group, a supervisor's SIGTERM the
    // primary only), each process gets one SIGTERM from here and drains (they ignore the others).
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => stop('SIGHUP'));

    for (let i = 0; i < processes; i++) start();
    process.stdout.write(`badgeworks api: ${processes} processes (pid ${process.pid} supervises)\n`);
  });
}
