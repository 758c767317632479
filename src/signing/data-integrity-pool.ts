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
 * Threads start on first use and end when idle, or when the pool is closed.
 */
const BATCH = 25;

export interface DataIntegrityPool {
  /** Each credential with its Data Integrity proof (with `dataIntegrity`) and its VC-JWT (with `jwt`), in order. */
  signMany(
    credentials: object[],
    keys: { dataIntegrity?: DataIntegrityKey; jwt?: SigningKey },
    created: Date,
  ): Promise<SignedCredential[]>;
  /** Threads currently alive. */
  threads(): number;
  /** Ends the threads (the service stops); a later use starts new ones. */
  close(): Promise<void>;
}

/** One per service (services.ts), so stopping the service ends its threads. */
export function dataIntegrityPool(): DataIntegrityPool {
  let pool: Piscina | undefined;
  const poolOf = (): Piscina =>
    (pool ??= new Piscina({
      filename: new URL('./data-integrity-boot.mjs', import.meta.url).href,
      // One thread per core: the issuance worker's own thread has the database and the rows.
      maxThreads: Math.max(1, availableParallelism()),
      minThreads: 0,
      idleTimeout: 30_000,
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    }));
  return {
    async signMany(credentials, keys, created) {
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
    },
    threads: () => pool?.threads.length ?? 0,
    async close() {
      const p = pool;
      pool = undefined;
      await p?.destroy();
    },
  };
}
