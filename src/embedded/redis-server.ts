import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from '../process-alive.js';

/**
 * A private redis-server child for the all-in-one start and for tests. It appends to disk under
 * its directory (when given) so queued jobs survive a restart of the service.
 */
export class MissingBinaryError extends Error {}

export interface EmbeddedRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function findBinary(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * A redis-server left behind by a service that was killed without a chance to stop it (kill -9):
 * stopped, and waited for, before a new one opens the same append-only files. It is ours when it
 * runs in our directory (redis-server chdirs to --dir and rewrites its own command line).
 */
async function stopLeftover(dir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path.join(dir, 'redis.pid'), 'utf8'), 10);
    if (!(pid > 0) || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server')) return;
    if (readlinkSync(`/proc/${pid}/cwd`) !== path.resolve(dir)) return;
  } catch {
    return; // no pid file, or no such process
  }
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(50);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** `port`: a fixed port, so a stopped server can be started again at the same address (tests). */
export async function startEmbeddedRedis(
  opts: { binary?: string; dir?: string; port?: number } = {},
): Promise<EmbeddedRedis> {
  const binary = findBinary(opts.binary ?? 'redis-server');
  if (!binary) {
    throw new MissingBinaryError(
      'redis-server was not found. Install the Debian package: apt-get install redis-server (or set REDIS_URL).',
    );
  }
  const port = opts.port ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--protected-mode', 'yes'];
  if (opts.dir) {
    mkdirSync(opts.dir, { recursive: true });
    const pidFile = path.join(opts.dir, 'redis.pid');
    await stopLeftover(opts.dir);
    args.push('--dir', opts.dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--pidfile', pidFile);
  } else {
    args.push('--appendonly', 'no');
  }
  // Its own process group: a Ctrl-C in the terminal reaches the service, which drains its jobs
  // against a Redis that is still there and then stops it, instead of both dying at once.
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (b: Buffer) => (output = (output + b.toString('utf8')).slice(-2000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited) {
      const why = output.trim().split('\n').filter(Boolean).slice(-2).join(' / ');
      throw new Error(`redis-server exited during start (port ${port})${why ? `: ${why}` : ''}`);
    }
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('redis-server did not start within 10 s');
    }
    await sleep(25);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
