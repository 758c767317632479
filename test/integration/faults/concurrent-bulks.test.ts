import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from '../../support/databases.js';
import { pollJob, startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';
import { expectOneRowPerUser, openProbe, terminateRepeatedly, type PgProbe } from './pg-faults.js';

/**
 * Four 5,000-user bulks at once on PostgreSQL, overlapping in recipients (two bulks of one
 * credential; a bulk of another credential of the same issuer, so the same status list; a bulk
 * of another issuer; all adding the same new recipients to the directory), with connections cut
 * mid-way to force chunk retries. No deadlock (the server's own count), every recipient once,
 * and each status entry reserved is one an assertion holds: retries reuse their reservation.
 */
const SIZE = 5000;
/** Recipients new to the directory: each chunk adds its own, so overlapping bulks add the same users at once. */
const pool = Array.from({ length: 10_000 }, (_, i) => ({
  user_id: `u${String(i).padStart(5, '0')}`,
  email: `u${i}@example.org`,
}));

/** A fixed shuffle: chunks of different bulks hold the same recipients in different orders. */
function shuffled<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe.runIf(DB_KINDS.includes('postgres'))('concurrent bulks on PostgreSQL (postgres)', () => {
  let f: IssuanceFixture;
  let probe: PgProbe;
  beforeAll(async () => {
    // Many chunks at once, of every bulk: with chunks writing in their own orders this saw 8
    // deadlocks, and 19,678 status entries reserved for 17,500 assertions.
    f = await startIssuanceService('postgres', { ISSUE_WAIT_MS: '0', WORKER_CONCURRENCY: '24' });
    probe = await openProbe(await databaseUrlOf(f));
  }, 120_000);
  afterAll(async () => {
    await probe?.close();
    await f?.svc.stop();
  });

  it('4 concurrent 5,000-user bulks: all complete, no deadlock, no duplicate, no status entry wasted', async () => {
    const issuerA = await f.issuer({ name: 'Issuer A' });
    const issuerB = await f.issuer({ name: 'Issuer B' });
    const c1 = await f.credential(issuerA, { name: 'One' });
    const c2 = await f.credential(issuerA, { name: 'Two' });
    const c3 = await f.credential(issuerB, { name: 'Three' });
    const bulks = [
      { credential: c1, users: pool.slice(0, SIZE) },
      { credential: c1, users: shuffled(pool.slice(SIZE / 2, SIZE / 2 + SIZE), 7) },
      { credential: c2, users: shuffled(pool.slice(0, SIZE), 11) },
      { credential: c3, users: shuffled(pool.slice(SIZE), 13) },
    ];
    const labelOf = (u: { user_id: string }) => u.user_id;

    const deadlocksBefore = await settledDeadlocks();
    const jobs = await Promise.all(
      bulks.map(async (b) => {
        const r = await f.as('alice')('POST', `/${b.credential}/assertions/bulk/`, { body: { users: b.users } });
        expect(r.status, JSON.stringify(r.body)).toBe(202);
        return r.body.job_id as string;
      }),
    );
    // Cut a few running statements once chunks run, so some chunks fail and are retried.
    const started = (s: any) => (typeof s.progress === 'object' && s.progress.done > 0) || s.state === 'completed';
    await pollJob(f.as('alice'), jobs[0], started, 120_000);
    const cut = await terminateRepeatedly(probe, { count: 3, everyMs: 100, timeoutMs: 3000 });

    const results = [];
    for (const job of jobs) {
      const seen = await pollJob(f.as('alice'), job, (s) => s.state === 'completed' || s.state === 'failed', 240_000);
      expect(seen.at(-1).state, JSON.stringify(seen.at(-1))).toBe('completed');
      results.push(seen.at(-1).result);
    }
    for (const r of results) expect(r.failed, JSON.stringify(r.failed.slice(0, 3))).toEqual([]);

    // Per credential, every recipient once: what one bulk issued in the overlap, the other skipped.
    const c1Users = [...new Set([...bulks[0].users, ...bulks[1].users].map(labelOf))];
    expect([...results[0].issued, ...results[1].issued].sort()).toEqual([...c1Users].sort());
    expect(results[0].skipped.length + results[1].skipped.length).toBe(SIZE + SIZE - c1Users.length);
    await expectOneRowPerUser(probe, c1, c1Users);
    expect([...results[2].issued].sort()).toEqual(bulks[2].users.map(labelOf).sort());
    await expectOneRowPerUser(probe, c2, bulks[2].users.map(labelOf));
    expect([...results[3].issued].sort()).toEqual(bulks[3].users.map(labelOf).sort());
    await expectOneRowPerUser(probe, c3, bulks[3].users.map(labelOf));

    const deadlocks = (await settledDeadlocks()) - deadlocksBefore;
    const lists = await probe.client.query<{ allocated: number; used: number }>(
      `select coalesce(sum(allocated), 0)::int as allocated,
              (select count(*)::int from assertions where issuer_id = any($1)) as used
       from status_lists where issuer_id = any($1)`,
      [[issuerA, issuerB]],
    );
    const { allocated, used } = lists.rows[0];
    console.log(
      `concurrent bulks: ${deadlocks} deadlocks, ${cut} statements cut, status entries ${allocated} reserved ${used} used`,
    );
    expect(deadlocks, 'deadlocks counted by PostgreSQL').toBe(0);
    expect(lists.rows[0].used).toBe(c1Users.length + SIZE + SIZE);
    expect(lists.rows[0].allocated, 'status entries reserved, and used by an assertion').toBe(lists.rows[0].used);
  }, 400_000);

  /**
   * The deadlock count once every backend of the service has reported: a backend flushes its
   * statistics at most once a second while busy, and at exit; the idle ones are ended (the pool
   * connects anew) and the count is read when they are gone.
   */
  async function settledDeadlocks(): Promise<number> {
    await probe.client.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid() and state = 'idle'`,
    );
    for (let i = 0; i < 50; i++) {
      const r = await probe.client.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid() and state = 'idle'`,
      );
      if (r.rows[0].n === 0) break;
      await sleep(100);
    }
    await sleep(200);
    return probe.deadlocks();
  }
});

/** The service's own database (the harness creates one per service), for a connection of the test's. */
async function databaseUrlOf(f: IssuanceFixture): Promise<string> {
  const { rows } = await sql<{ db: string }>`select current_database() as db`.execute(f.svc.service.runtime.db);
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${rows[0].db}`;
  return url.toString();
}
