import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirBusyError } from '../../../src/db/data-dir-lock.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'bw-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const lockModule = path.resolve('src/db/data-dir-lock.ts');

/** A process that tries to take the lock at `at` (epoch ms), holds it 1.5 s, and prints what happened. */
function contender(dir: string, at: number): Promise<string> {
  const script = `
    const { acquireDataDirLock } = await import(${JSON.stringify(lockModule)});
    while (Date.now() < ${at}) {}
    try { acquireDataDirLock(${JSON.stringify(dir)}); console.log('got'); await new Promise((r) => setTimeout(r, 1500)); }
    catch (e) { console.log(e.constructor.name); }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve) => child.on('exit', () => resolve(out.trim())));
}

describe('data directory lock', () => {
  it('refuses while a live process holds it and is free again after release', () => {
    const dir = path.join(root, 'a');
    const release = acquireDataDirLock(dir);
    expect(readFileSync(`${dir}.pid`, 'utf8')).toBe(String(process.pid));
    writeFileSync(`${dir}.pid`, String(process.ppid)); // held by a live process that is not us
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirBusyError);
    expect(() => acquireDataDirLock(dir)).toThrow(/in use by process \d+/);
    writeFileSync(`${dir}.pid`, String(process.pid));
    release();
    expect(existsSync(`${dir}.pid`)).toBe(false);
  });

  it('takes over a pid file left by a process that died, and one that is garbage', () => {
    const dir = path.join(root, 'b');
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    writeFileSync(`${dir}.pid`, String(dead));
    acquireDataDirLock(dir)();
    writeFileSync(`${dir}.pid`, 'not a pid');
    const release = acquireDataDirLock(dir);
    expect(readFileSync(`${dir}.pid`, 'utf8')).toBe(String(process.pid));
    release();
  });

  it('of processes starting at the same instant, exactly one gets it (also over a stale file)', async () => {
    for (const stale of [false, true]) {
      const dir = path.join(root, `race-${stale}`);
      if (stale) writeFileSync(`${dir}.pid`, String(spawnSync(process.execPath, ['-e', '0']).pid));
      // Processes take ~1 s to load tsx; all then spin until the same instant.
      const at = Date.now() + 3000;
      const results = await Promise.all(Array.from({ length: 4 }, () => contender(dir, at)));
      expect(results.filter((r) => r === 'got')).toHaveLength(1);
      expect(results.filter((r) => r === 'DataDirBusyError')).toHaveLength(3);
    }
  });
});
