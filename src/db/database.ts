import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { Database } from './schema.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { withBinaryLongText } from './pglite-params.js';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A PostgreSQL server; when absent the embedded PGlite is used. */
  url?: string;
  /** PGlite data directory; 'memory' keeps everything in memory (tests). */
  pgliteDir?: string | 'memory';
  poolSize?: number;
  /** Told of each lost PostgreSQL connection (the process lives on; the pool replaces it). */
  onConnectionError?: (err: Error) => void;
}

// int8 (count(*), bigserial) as JS numbers: our counts stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export async function openDatabase(opts: DatabaseOptions): Promise<DatabaseHandle> {
  if (opts.url) {
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10 });
    // An idle connection dropped by the server (restart, failover) must not crash the process;
    // the pool drops it and connects anew on next use (the client listener below reports it).
    pool.on('error', () => {});
    // pg-pool listens for errors of idle clients only: a checked-out client that loses its
    // connection (pg_terminate_backend, a failover mid-query) emits 'error' with no listener,
    // which throws and ends the process. This listener stays for the client's whole life; the
    // statement in flight is rejected by pg itself (a 5xx for a request, a retry for a job),
    // and the pool discards the client when it is released, as it is no longer queryable.
    pool.on('connect', (client) => client.on('error', (err) => opts.onConnectionError?.(err)));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const dir = opts.pgliteDir ?? 'memory';
  const release = dir === 'memory' ? () => {} : acquireDataDirLock(path.resolve(dir));
  try {
    const client = dir === 'memory' ? new PGlite() : new PGlite(path.resolve(dir));
    await client.waitReady;
    const db = new Kysely<Database>({ dialect: new PGliteDialect(withBinaryLongText(client)) });
    return {
      db,
      kind: 'pglite',
      close: async () => {
        await db.destroy();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
