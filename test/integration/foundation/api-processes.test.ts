import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../../src/embedded/redis-server.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../../support/databases.js';
import { runBadgeworks, type Child } from '../../support/child-service.js';

/**
 * Issue 18: API_PROCESSES=N runs `badgeworks api` as N processes on one port. Every process
 * serves; one that dies is replaced; SIGTERM (to the supervisor, or to the whole group as systemd
 * sends it) drains them all and the supervisor exits 0.
 */
const ADMIN = 'bw_cluster_admin_token_0123456789';

/** The supervisor's node children (tsx also runs an esbuild service beside them). */
const childPids = (pid: number): number[] => {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([n, comm]) => Number(n) > 0 && comm === 'node')
      .map(([n]) => Number(n));
  } catch {
    return []; // ps exits 1 when there are none
  }
};

/** The socket inodes a process holds (from /proc/PID/fd). */
const socketInodes = (pid: number): Set<string> => {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
};

/** Inodes of the established connections whose server end is 127.0.0.1:port (/proc/net/tcp, hex). */
const servedConnections = (port: number): string[] =>
  readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter(
      (f) => f.length > 9 && f[1] === `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}` && f[3] === '01',
    )
    .map((f) => f[9]);

/** A kept-alive connection that has had one answer to GET /healthz. */
const openAnswered = (port: number): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () =>
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n'),
    );
    socket.once('data', (d) =>
      /^HTTP\/1\.1 200/.test(d.toString()) ? resolve(socket) : reject(new Error(d.toString())),
    );
    socket.once('error', reject);
  });

describe.runIf(DB_KINDS.includes('postgres'))('API_PROCESSES (postgres)', () => {
  let database: TestDatabase | undefined;
  let api: Child | undefined;
  const dirs: string[] = [];
  afterAll(async () => {
    if (api && api.proc.exitCode === null && api.proc.signalCode === null) {
      for (const pid of childPids(api.proc.pid!)) process.kill(pid, 'SIGKILL');
      api.proc.kill('SIGKILL');
      await api.exited;
    }
    await database?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('serves from two processes on one port, replaces one that dies, and drains both on SIGTERM', async () => {
    database = await createTestDatabase('postgres');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bw-cluster-'));
    dirs.push(dataDir);
    const port = await freePort();
    api = runBadgeworks(['api'], {
      API_PROCESSES: '2',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.options.url!,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: `bwcluster-${randomBytes(4).toString('hex')}`,
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      ADMIN_TOKEN: ADMIN,
      FILE_STORE: `file://${dataDir}/files`,
      DATA_DIR: dataDir,
    });
    const child = api;
    await child.waitFor(/badgeworks api: 2 processes/, 30_000);
    await child.waitFor(/ready: api \(pid \d+\)[\s\S]*ready: api \(pid \d+\)/, 90_000);
    const first = childPids(child.proc.pid!);
    expect(first).toHaveLength(2);

    // Fresh connections on the shared port (handed out round-robin) are all answered.
    const get = async (p: string) => {
      const r = await fetch(`http://127.0.0.1:${port}${p}`, {
        headers: { authorization: `Bearer ${ADMIN}`, connection: 'close' },
      });
      await r.arrayBuffer();
      return r.status;
    };
    for (let i = 0; i < 6; i++) expect(await get('/api/admin/orgs/main/tokens')).toBe(200);
    // And by both processes: each answered connection is held by one of them, and each holds some.
    const sockets = await Promise.all(Array.from({ length: 6 }, () => openAnswered(port)));
    const served = servedConnections(port);
    expect(served).toHaveLength(6);
    const held = first.map((pid) => served.filter((inode) => socketInodes(pid).has(inode)).length);
    expect(held.reduce((a, b) => a + b)).toBe(6);
    expect(Math.min(...held), `connections per process: ${held.join(', ')}`).toBeGreaterThan(0);
    for (const socket of sockets) socket.destroy();

    process.kill(first[0], 'SIGKILL');
    await child.waitFor(/api process exited: starting another/, 10_000);
    await child.waitFor(/(ready: api \(pid \d+\)[\s\S]*){3}/, 60_000);
    const second = childPids(child.proc.pid!);
    expect(second).toHaveLength(2);
    expect(second).not.toContain(first[0]);
    for (let i = 0; i < 4; i++) expect(await get('/healthz')).toBe(200);

    // As systemd stops a unit (KillMode=control-group): SIGTERM to every process of the group at
    // once, so each api process also gets the supervisor's forwarded one. Both must still drain.
    child.proc.kill('SIGTERM');
    for (const pid of second) process.kill(pid, 'SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.output()).not.toMatch(/second signal/);
    expect(child.output().match(/badgeworks stopped/g)).toHaveLength(2);
    for (const pid of second) expect(() => process.kill(pid, 0)).toThrow();
  }, 180_000);
});
