import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isAlive } from '../process-alive.js';

/**
 * PGlite is a single-process database: two processes opening the same directory corrupt it. The
 * holder creates a pid file exclusively (a hard link, which fails when the name exists), so of two
 * starts at the same instant only one gets it; a file left by a process that died is taken over.
 */
export class DataDirBusyError extends Error {}

export function acquireDataDirLock(dir: string, what = 'embedded database'): () => void {
  // Beside the directory, not in it: PGlite's initdb wants an empty directory.
  mkdirSync(path.dirname(dir), { recursive: true });
  const file = `${dir}.pid`;
  for (let attempt = 0; attempt < 200; attempt++) {
    if (createExclusive(file)) return () => release(file);
    const holder = readPid(file);
    if (holder === process.pid) return () => release(file);
    if (holder !== undefined && isAlive(holder)) {
      throw new DataDirBusyError(
        `The ${what} in ${dir} is in use by process ${holder} (a running badgeworks service). ` +
          'Stop it first, or use the admin HTTP routes while it runs.',
      );
    }
    takeOverStale(file, holder);
  }
  throw new DataDirBusyError(`The ${what} in ${dir} is being claimed by another process; try again.`);
}

/**
 * Creates the pid file with its content in one step: the pid goes into a private temp file that
 * is then hard-linked to the lock's name (link fails if the name exists). A plain `wx` open would
 * leave an empty file for a moment, which a racing start could take for a stale one.
 */
function createExclusive(file: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, String(process.pid), { mode: 0o644 });
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes a dead holder's file, under a guard file that only one contender holds at a time: it
 * re-reads the lock under the guard, so a file that a live process created meanwhile is never
 * removed. A guard left by a process that died mid-takeover is cleared after a few seconds.
 */
function takeOverStale(file: string, stalePid: number | undefined): void {
  const guard = `${file}.takeover`;
  if (!createExclusive(guard)) {
    try {
      if (Date.now() - statSync(guard).mtimeMs > 5_000) rmSync(guard, { force: true });
    } catch {
      // gone already
    }
    sleepSync(10);
    return;
  }
  try {
    if (readPid(file) === stalePid) rmSync(file, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function release(file: string): void {
  try {
    if (readPid(file) === process.pid) rmSync(file);
  } catch {
    // already gone
  }
}
