import type { Logger } from './logger.js';

/**
 * Waits for SIGINT/SIGTERM, then stops gracefully (in-flight jobs drain). A second signal exits at
 * once; jobs in flight then stay in Redis and are retried by the next worker.
 */
export function runUntilSignal(
  stop: () => Promise<void>,
  logger: Logger,
  opts: { supervised?: boolean } = {},
): Promise<void> {
  return new Promise((resolve) => {
    let count = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      count += 1;
      // One of API_PROCESSES: the supervisor forwards SIGTERM, and a supervisor that signals the
      // whole group (systemd's default, `pkill -f`) sends another; only the first counts, and
      // the supervisor's own escalation is SIGKILL.
      if (count > 1 && opts.supervised) return;
      if (count > 1) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      process.stdout.write(`\n${signal}: shutting down (waiting for in-flight jobs; press Ctrl-C again to force)\n`);
      stop()
        .then(() => process.stdout.write('badgeworks stopped\n'))
        .catch((err) => {
          logger.error({ err }, 'error during shutdown');
          process.exitCode = 1;
        })
        .finally(() => {
          // Everything was closed; a client library still retrying a vanished Redis must not keep
          // the process alive. (Unref'd: a process that can exit on its own exits first.)
          setTimeout(() => process.exit(), 2000).unref();
          resolve();
        });
    };
    process.on('SIGTERM', onSignal);
    if (opts.supervised) {
      // One of API_PROCESSES (src/api-cluster.ts): a terminal's Ctrl-C reaches the whole group, but
      // only the supervisor's SIGTERM stops this process (else it would count two signals and not drain).
      process.on('SIGINT', () => undefined);
      process.on('SIGHUP', () => undefined);
      return;
    }
    process.on('SIGINT', onSignal);
    // A closed terminal: the embedded redis-server, in its own process group, is not told; we stop it.
    process.on('SIGHUP', onSignal);
  });
}
