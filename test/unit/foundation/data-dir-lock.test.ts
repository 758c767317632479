import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirBusyError } from '../../../src/db/data-dir-lock.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'bw-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const lockModule = path.resolve('src/db/data-dir-lock.ts');

/**
 * A process that loads the lock module, says `ready`, takes the lock at the instant `go <ms>` names,
 * prints what happened, and holds the lock until its stdin closes.
 */
function contender(dir: string) {
  const script = `
    const { acquireDataDirLock } = await import(${JSON.stringify(lockModule)});
    const { createInterface } = await import('node:readline');
    const lines = createInterface({ input: process.stdin });
    console.log('ready');
    for await (const line of lines) {
      if (!line.startsWith('go ')) continue;
      const at = Number(line.slice(3));
      while (Date.now() < at) {} // all contenders spin to the same instant, then race
      try { acquireDataDirLock(${JSON.stringify(dir)}); console.log('got'); } catch (e) { console.log(e.constructor.name); }
    }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    waiters.splice(0).forEach((w) => w());
  });
  const nth = async (n: number) => {
    while (lines.length < n) await new Promise<void>((r) => waiters.push(r));
    return lines[n - 1];
  };
  const exited = new Promise((r) => child.on('exit', r));
  return { child, nth, exited };
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
      const racers = Array.from({ length: 4 }, () => contender(dir));
      // Every process has loaded tsx and the module before any is told to go (loading takes seconds).
      expect(await Promise.all(racers.map((r) => r.nth(1)))).toEqual(['ready', 'ready', 'ready', 'ready']);
      const at = Date.now() + 300;
      for (const r of racers) r.child.stdin!.write(`go ${at}\n`);
      const results = await Promise.all(racers.map((r) => r.nth(2)));
      // Holders keep the lock until every result is in.
      for (const r of racers) r.child.stdin!.end();
      await Promise.all(racers.map((r) => r.exited));
      expect(results.filter((r) => r === 'got')).toHaveLength(1);
      expect(results.filter((r) => r === 'DataDirBusyError')).toHaveLength(3);
    }
  });
});
