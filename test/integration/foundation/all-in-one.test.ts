import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/embedded/redis-server.js';
import { descendants, isAlive, runBadgeworks, type Child } from '../../support/child-service.js';

/** A failed start ends in one line, after the phase lines it printed on its way (issue 17). */
const lastLine = (output: string) => output.trim().split('\n').at(-1) ?? '';

describe('all-in-one start (`badgeworks start`) on the embedded defaults', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bw-aio-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('writes the token to a file (never to stdout), answers /readyz, the CLI refuses the busy data dir, and Ctrl-C leaves no child process', async () => {
    const port = await freePort();
    const child = runBadgeworks(
      ['start'],
      { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' },
      { group: true },
    );
    await child.waitFor(/badgeworks ready/, 60_000);
    const out = child.output();
    expect(out).toContain(`listening on http://127.0.0.1:${port}`);
    const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
    expect(token).toMatch(/^bw_/);
    // The console says where the token is; the token never reaches stdout (the JSON log stream).
    expect(out).not.toContain(token);
    expect(out).toContain(path.join(dataDir, 'admin-token'));
    expect(statSync(path.join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);

    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    const org = await fetch(`http://127.0.0.1:${port}/api/admin/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ org: 'acme', name: 'Acme' }),
    });
    expect(org.status).toBe(201);

    // PGlite is single-process: the CLI must refuse clearly while the service holds it.
    const cli = runBadgeworks(['org', 'create', 'other', 'Other'], { DATA_DIR: dataDir });
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toMatch(/in use by process \d+/);

    // A second start on the same data directory refuses before it starts anything of its own.
    const redisPidFile = path.join(dataDir, 'redis', 'redis.pid');
    const redisPid = readFileSync(redisPidFile, 'utf8').trim();
    const second = runBadgeworks(['start'], { DATA_DIR: dataDir, PORT: String(await freePort()), HOST: '127.0.0.1' });
    expect(await second.exited).toBe(1);
    expect(lastLine(second.output())).toMatch(/^badgeworks: The embedded Redis in .+ is in use by process \d+/);
    expect(readFileSync(redisPidFile, 'utf8').trim()).toBe(redisPid);

    const kids = await descendants(child.proc.pid!);
    expect(kids.length).toBeGreaterThan(0); // the embedded redis-server at least
    // Ctrl-C in a terminal signals the whole foreground process group.
    process.kill(-child.proc.pid!, 'SIGINT');
    expect(await child.exited).toBe(0);
    expect(child.output()).toContain('badgeworks stopped');
    // esbuild's service (tsx) notices its closed stdin a moment after the parent exits.
    for (let i = 0; i < 50 && kids.some(isAlive); i++) await sleep(100);
    expect(kids.filter(isAlive)).toEqual([]);

    // A second start reuses the data: no new token, the org is still there.
    const again = runBadgeworks(['start'], { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' });
    await again.waitFor(/badgeworks ready/, 60_000);
    expect(again.output()).not.toContain('First start');
    const dup = await fetch(`http://127.0.0.1:${port}/api/admin/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ org: 'acme', name: 'Acme' }),
    });
    expect(dup.status).toBe(409);
    again.proc.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 150_000);

  it('after kill -9 the next start stops the orphaned redis-server first; a port in use is one line, leaving nothing behind', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bw-aio-kill-'));
    const started: Child[] = [];
    try {
      const port = await freePort();
      const env = {
        DATA_DIR: dir,
        PORT: String(port),
        HOST: '127.0.0.1',
        ADMIN_TOKEN: 'bw_kill_test_token_0123456789',
      };
      const first = runBadgeworks(['start'], env);
      started.push(first);
      await first.waitFor(/badgeworks ready/, 60_000);
      const orphan = Number(readFileSync(path.join(dir, 'redis', 'redis.pid'), 'utf8'));
      first.proc.kill('SIGKILL');
      await first.exited;
      expect(isAlive(orphan)).toBe(true); // nothing could stop it

      const busy = runBadgeworks(['start'], env);
      started.push(busy);
      await busy.waitFor(/badgeworks ready/, 60_000);
      expect(isAlive(orphan)).toBe(false);
      const kids = await descendants(busy.proc.pid!);
      // Another service on the same port fails after its Redis is up: one line, and its Redis stopped.
      const clashDir = mkdtempSync(path.join(os.tmpdir(), 'bw-aio-clash-'));
      const clash = runBadgeworks(['start'], { ...env, DATA_DIR: clashDir });
      expect(await clash.exited).toBe(1);
      expect(lastLine(clash.output())).toMatch(/^badgeworks: listen EADDRINUSE.+\(check PORT \/ HOST\)$/);
      expect(existsSync(path.join(clashDir, 'redis', 'redis.pid'))).toBe(false); // redis-server removes it when it stops
      rmSync(clashDir, { recursive: true, force: true });
      busy.proc.kill('SIGTERM');
      expect(await busy.exited).toBe(0);
      for (let i = 0; i < 50 && kids.some(isAlive); i++) await sleep(100);
      expect(kids.filter(isAlive)).toEqual([]);
    } finally {
      for (const c of started) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGTERM');
      await Promise.all(started.map((c) => c.exited));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it('a missing redis-server is one line naming the Debian package to install', async () => {
    for (const binary of ['no-such-redis-server', '/opt/none/redis-server']) {
      const child = runBadgeworks(['start'], {
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        REDIS_SERVER_PATH: binary,
      });
      expect(await child.exited).toBe(1);
      expect(lastLine(child.output())).toMatch(
        /^badgeworks: redis-server was not found\. Install the Debian package: apt-get install redis-server/,
      );
    }
  });

  it('a bad setting stops the start with one line naming the variable', async () => {
    const child = runBadgeworks(['start'], { DATA_DIR: dataDir, PORT: 'eighty' });
    expect(await child.exited).toBe(2);
    expect(child.output().trim()).toMatch(/^badgeworks: Invalid PORT="eighty": .+$/);
  });
});
