import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { expect } from 'vitest';

/**
 * PostgreSQL-side tools of the fault tests: a superuser connection to the test database that
 * terminates the service's busy backends, reads the database's deadlock counter, and checks
 * the issued rows directly.
 */
export interface PgProbe {
  client: pg.Client;
  /** Terminates the backends of this database that run a statement now; returns how many. */
  terminateBusy(): Promise<number>;
  /** `pg_stat_database.deadlocks` of this database. */
  deadlocks(): Promise<number>;
  close(): Promise<void>;
}

export async function openProbe(url: string): Promise<PgProbe> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    client,
    async terminateBusy() {
      const r = await client.query<{ n: number }>(
        `select count(*)::int as n from (
           select pg_terminate_backend(pid) from pg_stat_activity
           where datname = current_database() and pid <> pg_backend_pid() and state = 'active') t`,
      );
      return r.rows[0].n;
    },
    async deadlocks() {
      // The statistics are flushed by each backend now and then; ask for a fresh snapshot.
      await client.query('select pg_stat_clear_snapshot()');
      const r = await client.query<{ n: number }>(
        'select deadlocks::int as n from pg_stat_database where datname = current_database()',
      );
      return r.rows[0].n;
    },
    close: () => client.end(),
  };
}

/**
 * Terminates busy backends every `everyMs` until `count` of them were caught running a statement
 * (or `timeoutMs` passed); returns how many were terminated.
 */
export async function terminateRepeatedly(
  probe: PgProbe,
  opts: { count: number; everyMs: number; timeoutMs: number },
): Promise<number> {
  let terminated = 0;
  const deadline = Date.now() + opts.timeoutMs;
  while (terminated < opts.count && Date.now() < deadline) {
    terminated += await probe.terminateBusy();
    await sleep(opts.everyMs);
  }
  return terminated;
}

/** Rows per recipient of a credential: every recipient must hold exactly one. */
export async function expectOneRowPerUser(probe: PgProbe, credentialId: string, users: string[]): Promise<void> {
  const r = await probe.client.query<{ recipient_user_id: string; n: number }>(
    'select recipient_user_id, count(*)::int as n from assertions where credential_id = $1 group by recipient_user_id',
    [credentialId],
  );
  const duplicates = r.rows.filter((row) => row.n !== 1);
  expect(duplicates, 'no recipient holds two assertions').toEqual([]);
  expect(r.rows.map((row) => row.recipient_user_id).sort(), 'every recipient holds one').toEqual([...users].sort());
}
