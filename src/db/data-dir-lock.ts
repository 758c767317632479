import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isAlive } from '../process-alive.js';

/**
 * PGlite is a single-process database: two processes opening the same directory corrupt it. The
 * holder writes its pid here; anyone else refuses to open while that pid is alive.
 */
export class DataDirBusyError extends Error {}

export function acquireDataDirLock(dir: string, what = 'embedded database'): () => void {
  // Beside the directory, not in it: PGlite's initdb wants an empty directory.
  mkdirSync(path.dirname(dir), { recursive: true });
  const file = `${dir}.pid`;
  let holder: number | undefined;
  try {
    holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new DataDirBusyError(
      `The ${what} in ${dir} is in use by process ${holder} (a running badgeworks service). ` +
        'Stop it first, or use the admin HTTP routes while it runs.',
    );
  }
  writeFileSync(file, String(process.pid));
  return () => {
    try {
      if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) rmSync(file);
    } catch {
      // already gone
    }
  };
}
