import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { DataIntegrityKey } from './data-integrity.js';
import type { SignBatch } from './data-integrity-thread.js';

/**
 * Data Integrity proofs of a bulk signed on worker threads: a proof is ~1–2 ms of CPU against
 * ~0.5 ms for the rest of an award (VC-JWT, row, insert), so on the issuance worker's own thread
 * it set the pace of a bulk. Small batches keep every thread busy and the messages few; the
 * results come back in the order given. Threads start on first use and end when idle.
 */
const BATCH = 25;
let pool: Piscina | undefined;

function poolOf(): Piscina {
  pool ??= new Piscina({
    filename: new URL('./data-integrity-boot.mjs', import.meta.url).href,
    // One thread per core: the issuance worker's own thread has the VC-JWTs and the database.
    maxThreads: Math.max(1, availableParallelism()),
    minThreads: 0,
    idleTimeout: 30_000,
    resourceLimits: { maxOldGenerationSizeMb: 256 },
  });
  return pool;
}

export async function signDataIntegrityMany<T extends object>(
  credentials: T[],
  key: DataIntegrityKey,
  created: Date,
): Promise<Array<T & { proof: unknown[] }>> {
  const batches: Promise<object[]>[] = [];
  for (let i = 0; i < credentials.length; i += BATCH) {
    const batch: SignBatch = { key, created: created.getTime(), credentials: credentials.slice(i, i + BATCH) };
    batches.push(poolOf().run(batch) as Promise<object[]>);
  }
  return (await Promise.all(batches)).flat() as Array<T & { proof: unknown[] }>;
}

/** Ends the threads (tests, shutdown); the next use starts new ones. */
export async function closeDataIntegrityPool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.destroy();
}
