/**
 * Analytics on 1,000,000 assertions: seeds them (in SQL) into an org spread over two years and
 * several courses, then times the over-time queries three ways in the same run: from the daily
 * roll-up (what the API does for whole-org series), counting rows with the analytics indexes
 * (what department-scoped series do), and counting rows without those indexes (the baseline).
 *
 *   npx tsx bench/analytics/run.ts [rows=1000000]        # embedded PGlite
 *   DATABASE_URL=postgres://… npx tsx bench/analytics/run.ts
 */
import { sql } from 'kysely';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { analyticsRepository, type Scope } from '../../src/db/analytics-repository.js';
import type { TimeRange } from '../../src/analytics/time-range.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const url = process.env.DATABASE_URL;

async function main() {
  const handle = await openDatabase(url ? { url } : { pgliteDir: 'memory' });
  const { db } = handle;
  await migrateToLatest(db);
  await sql`drop table if exists bench_marker`.execute(db);
  for (const org of ['bench', 'noise']) {
    await db
      .insertInto('orgs')
      .values({ org, name: org })
      .onConflict((oc) => oc.column('org').doNothing())
      .execute();
  }
  await db.deleteFrom('assertions').where('org', 'in', ['bench', 'noise']).execute();
  await db.deleteFrom('assertion_daily_counts').where('org', 'in', ['bench', 'noise']).execute();
  await db
    .insertInto('issuers')
    .values({ id: 'bench-issuer', org: 'bench', name: 'Bench' })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  await db
    .insertInto('credentials')
    .values({ id: 'bench-cred', org: 'bench', issuer_id: 'bench-issuer', name: 'Bench', description: '' })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  await db
    .insertInto('status_lists')
    .values({ id: 'bench-list', org: 'bench', issuer_id: 'bench-issuer', size: 2 ** 30, capacity: 2 ** 30 })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();

  let t = performance.now();
  // 90% in the measured org, 10% in another org (the index must skip those), 12 courses, 2 years.
  await sql`
    insert into assertions (id, org, credential_id, issuer_id, recipient_user_id, salt, issued_on, course, created_by,
                            status_list_id, status_list_index, signing_key_id, credential_json, credential_jwt)
    select 'b' || g, case when g % 10 = 0 then 'noise' else 'bench' end, 'bench-cred', 'bench-issuer', 'u' || g, 's',
           timestamptz '2025-01-01' + (g::double precision / ${rows}) * interval '730 days',
           'course-' || (g % 12), 'bench', 'bench-list', g, 'k', '{}'::jsonb, 'x'
    from generate_series(1, ${rows}) g`.execute(db);
  await sql`vacuum analyze assertions`.execute(db);
  console.log(
    `seeded ${rows.toLocaleString()} assertions in ${((performance.now() - t) / 1000).toFixed(1)} s (${handle.kind})`,
  );

  const repo = analyticsRepository(db);
  const scope: Scope = { org: 'bench', timeZone: 'Europe/Paris' };
  const cases: [string, TimeRange, (s: Scope, r: TimeRange, o?: { fromRows?: boolean }) => Promise<unknown>][] = [
    [
      'assertions, 30 days by day',
      { start: '2026-06-01', end: '2026-06-30', interval: 'day' },
      repo.assertionsOverTime,
    ],
    [
      'assertions, 1 year by week',
      { start: '2025-06-01', end: '2026-05-31', interval: 'week' },
      repo.assertionsOverTime,
    ],
    [
      'assertions, 2 years by month',
      { start: '2025-01-01', end: '2026-12-31', interval: 'month' },
      repo.assertionsOverTime,
    ],
    [
      'per course, 90 days by day',
      { start: '2026-03-01', end: '2026-05-29', interval: 'day' },
      repo.courseAssertionsOverTime,
    ],
  ];

  async function timeAll(fromRows: boolean): Promise<number[]> {
    const out: number[] = [];
    for (const [, range, fn] of cases) {
      await fn(scope, range, { fromRows }); // warm
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        t = performance.now();
        await fn(scope, range, { fromRows });
        times.push(performance.now() - t);
      }
      out.push(times.sort((a, b) => a - b)[2]);
    }
    return out;
  }

  const rollup = await timeAll(false);
  const withIndexes = await timeAll(true);
  await sql`drop index assertions_org_issued`.execute(db);
  await sql`drop index assertions_org_course_issued`.execute(db);
  const without = await timeAll(true);
  await sql`create index assertions_org_issued on assertions (org, issued_on)`.execute(db);
  await sql`create index assertions_org_course_issued on assertions (org, course, issued_on)`.execute(db);

  console.log(
    '\n| query (median of 5) | daily roll-up | rows, indexed | rows, no index (baseline) | roll-up speed-up |',
  );
  console.log('|---|---|---|---|---|');
  cases.forEach(([name], i) =>
    console.log(
      `| ${name} | ${rollup[i].toFixed(1)} ms | ${withIndexes[i].toFixed(1)} ms | ${without[i].toFixed(1)} ms | ${(without[i] / rollup[i]).toFixed(0)}x |`,
    ),
  );
  await db.deleteFrom('assertions').where('org', 'in', ['bench', 'noise']).execute();
  await db.deleteFrom('assertion_daily_counts').where('org', 'in', ['bench', 'noise']).execute();
  await handle.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
