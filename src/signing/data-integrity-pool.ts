import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { ValidationError } from '../errors.js';
import type { DataIntegrityKey } from './data-integrity.js';
import type { SignBatch, SignBatchResult, SignedCredential } from './data-integrity-thread.js';
import type { SigningKey } from './vc-jwt.js';

/**
 * The proofs of a bulk signed on worker threads: a Data Integrity proof is ~1–2 ms of CPU and a
 * VC-JWT ~0.1 ms, and the issuance worker's own thread also runs the embedded database, so
 * signing there set the pace of a bulk (issue 18: a Data Integrity issuer's VC-JWTs too). Small
 * batches keep every thread busy and the messages few; the results come back in the order given.
 * Threads start on first use and end when idle.
 */
const BATCH = 25;
let pool: Piscina | undefined;

function poolOf(): Piscina {
  pool ??= new Piscina({
    filename: new URL('./data-integrity-boot.mjs', import.meta.url).href,
    // One thread per core: the issuance worker's own thread has the database and the rows.
    maxThreads: Math.max(1, availableParallelism()),
    minThreads: 0,
    idleTimeout: 30_000,
    resourceLimits: { maxOldGenerationSizeMb: 256 },
  });
  return pool;
}

/** Each credential with its Data Integrity proof (with `dataIntegrity`) and its VC-JWT (with `jwt`), in order. */
export async function signCredentialsMany(
  credentials: object[],
  keys: { dataIntegrity?: DataIntegrityKey; jwt?: SigningKey },
  created: Date,
): Promise<SignedCredential[]> {
  const batches: Promise<SignBatchResult>[] = [];
  for (let i = 0; i < credentials.length; i += BATCH) {
    const batch: SignBatch = {
      key: keys.dataIntegrity,
      jwtKey: keys.jwt,
      created: created.getTime(),
      credentials: credentials.slice(i, i + BATCH),
    };
    batches.push(poolOf().run(batch) as Promise<SignBatchResult>);
  }
  const out: SignedCredential[] = [];
  for (const r of await Promise.all(batches)) {
    if ('refused' in r) throw new ValidationError(r.refused);
    out.push(...r.signed);
  }
  return out;
}

/** Ends the threads (tests, shutdown); the next use starts new ones. */
export async function closeDataIntegrityPool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.destroy();
}
