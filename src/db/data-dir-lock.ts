import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { isAlive } from '../process-alive.js';

/**
 * PGlite is a single-process database: two processes opening the same directory corrupt it. The
 * holder creates a pid file exclusively (`wx`), so of two starts at the same instant only one
 * gets it; a file left by a process that died is taken over.
 */
export class DataDirBusyError extends Error {}

export function acquireDataDirLock(dir: string, what = 'embedded database'): () => void {
  // Beside the directory, not in it: PGlite's initdb wants an empty directory.
  mkdirSync(path.dirname(dir), { recursive: true });
  const file = `${dir}.pid`;
  for (let attempt = 0; attempt < 5; attempt++) {
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

function createExclusive(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, String(process.pid));
  } finally {
    closeSync(fd);
  }
  return true;
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
 * Moves a dead holder's file aside by rename (atomic). Two starts racing for the same stale file
 * may both rename: the second then holds a live holder's file, which it puts back.
 */
function takeOverStale(file: string, stalePid: number | undefined): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // gone already: the next attempt creates it
  }
  const moved = readPid(aside);
  if (moved !== stalePid && moved !== undefined && isAlive(moved)) {
    try {
      renameSync(aside, file);
    } catch {
      // nothing else to do: the loop re-reads the file
    }
    return;
  }
  rmSync(aside, { force: true });
}

function release(file: string): void {
  try {
    if (readPid(file) === process.pid) rmSync(file);
  } catch {
    // already gone
  }
}
