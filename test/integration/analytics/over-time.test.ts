import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/harness.js';
import { DB_KINDS } from '../../support/databases.js';
import { seedAssertions } from '../../support/seed-assertions.js';
import { analyticsRepository } from '../../../src/db/analytics-repository.js';

describe.each(DB_KINDS)('analytics over time (%s)', (db) => {
  let svc: TestService;
  let tokens: Record<string, string>;
  const base = (user: string) => `/api/credentials/orgs/ny/users/${user}`;

  beforeAll(async () => {
    svc = await startTestService({ db, workers: false });
    await svc.api('POST', '/api/admin/orgs', {
      body: { org: 'ny', name: 'New York School', timezone: 'America/New_York' },
    });
    await svc.api('POST', '/api/admin/orgs/ny/users', {
      body: {
        users: [
          { user_id: 'boss', role: 'platform_admin' },
          { user_id: 'dee', role: 'department_admin', departments: ['math'] },
          { user_id: 'stu', role: 'student' },
        ],
      },
    });
    tokens = {};
    for (const u of ['boss', 'dee', 'stu'])
      tokens[u] = (await svc.api('POST', `/api/admin/orgs/ny/users/${u}/tokens`)).body.result.token;
    // 03:30 UTC on 2 March is 22:30 on 1 March in New York: the local day is what counts.
    await seedAssertions(svc.service.runtime.db, 'ny', [
      { user: 'a', issuedOn: '2026-03-01T15:00:00Z', course: 'algebra' },
      { user: 'b', issuedOn: '2026-03-02T03:30:00Z', course: 'algebra' },
      { user: 'c', issuedOn: '2026-03-02T05:30:00Z', course: 'geometry' },
      { user: 'd', issuedOn: '2026-03-05T12:00:00Z', course: null },
      { user: 'e', issuedOn: '2026-04-20T12:00:00Z', course: 'algebra' },
      { user: 'f', issuedOn: '2026-02-28T23:59:00Z', course: 'algebra' }, // 18:59 on 28 Feb locally
    ]);
    // One recipient in dee's department.
    expect(
      (await svc.api('PUT', '/api/admin/orgs/ny/users/a', { body: { role: 'student', departments: ['math'] } })).status,
    ).toBe(200);
  });
  afterAll(() => svc?.stop());

  it('zero-fills days in the org time zone', async () => {
    const r = await svc.api(
      'GET',
      `${base('boss')}/assertions-over-time/?start_date=2026-03-01&end_date=2026-03-06&interval=day`,
      { token: tokens.boss },
    );
    expect(r.status).toBe(200);
    // Bare, in the reference's shape: {data: {day: n}, total, meta}.
    expect(r.body).toEqual({
      total: 4,
      data: { '2026-03-01': 2, '2026-03-02': 1, '2026-03-03': 0, '2026-03-04': 0, '2026-03-05': 1, '2026-03-06': 0 },
      meta: {
        total: 4,
        // The 6 days before: f on 28 Feb (local).
        change_range: 3,
        change_range_percent: 300,
        change_last_seven_days: 5,
        change_last_seven_days_percent: null,
        change_last_thirty_days: 5,
        change_last_thirty_days_percent: null,
      },
    });
    expect(Object.keys(r.body.data)).toEqual([
      '2026-03-01',
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
    ]);
  });

  it('weeks start on Monday and months on the first', async () => {
    const weeks = await svc.api(
      'GET',
      `${base('boss')}/assertions-over-time?start_date=2026-02-23&end_date=2026-03-08&interval=week`,
      { token: tokens.boss },
    );
    expect(weeks.body.data).toEqual({ '2026-02-23': 3, '2026-03-02': 2 });
    const months = await svc.api(
      'GET',
      `${base('boss')}/assertions-over-time?start_date=2026-02-01&end_date=2026-04-30&interval=month`,
      { token: tokens.boss },
    );
    expect(months.body).toMatchObject({ total: 6, data: { '2026-02-01': 1, '2026-03-01': 4, '2026-04-01': 1 } });
  });

  it('per course: one zero-filled series per course', async () => {
    const r = await svc.api(
      'GET',
      `${base('boss')}/course-assertions-over-time?start_date=2026-03-01&end_date=2026-03-03`,
      { token: tokens.boss },
    );
    expect(r.body).toMatchObject({
      total: 3,
      data: { '2026-03-01': 2, '2026-03-02': 1, '2026-03-03': 0 },
      courses: [
        { course: 'algebra', total: 2, data: { '2026-03-01': 2, '2026-03-02': 0, '2026-03-03': 0 } },
        { course: 'geometry', total: 1, data: { '2026-03-01': 0, '2026-03-02': 1, '2026-03-03': 0 } },
      ],
    });
    expect(r.body.courses).toHaveLength(2);
  });

  it('credentials over time counts badge classes created', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(new Date());
    const r = await svc.api('GET', `${base('boss')}/credentials-over-time?interval=month`, { token: tokens.boss });
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(1);
    expect(Object.entries(r.body.data).at(-1)).toEqual([`${today.slice(0, 8)}01`, 1]);
  });

  it('department admins see their departments only; students none', async () => {
    const r = await svc.api('GET', `${base('dee')}/assertions-over-time?start_date=2026-03-01&end_date=2026-03-01`, {
      token: tokens.dee,
    });
    expect(r.body).toMatchObject({ total: 1, data: { '2026-03-01': 1 } });
    expect((await svc.api('GET', `${base('stu')}/assertions-over-time`, { token: tokens.stu })).status).toBe(403);
    expect((await svc.api('GET', `${base('dee')}/credentials-over-time`, { token: tokens.dee })).status).toBe(403);
  });

  it('the daily roll-up kept by the insert trigger agrees with counting the rows', async () => {
    const repo = analyticsRepository(svc.service.runtime.db);
    const scope = { org: 'ny', timeZone: 'America/New_York' };
    for (const interval of ['day', 'week', 'month'] as const) {
      const range = { start: '2026-02-20', end: '2026-04-30', interval };
      expect(await repo.assertionsOverTime(scope, range)).toEqual(
        await repo.assertionsOverTime(scope, range, { fromRows: true }),
      );
      expect(await repo.courseAssertionsOverTime(scope, range)).toEqual(
        await repo.courseAssertionsOverTime(scope, range, { fromRows: true }),
      );
    }
    const rows = await svc.service.runtime.db
      .selectFrom('assertion_daily_counts')
      .selectAll()
      .where('org', '=', 'ny')
      .orderBy('day')
      .execute();
    expect(rows.map((r) => r.n).reduce((a, b) => a + b, 0)).toBe(6);
  });

  it('refuses bad dates and over-long ranges', async () => {
    for (const q of [
      'start_date=2026-13-01',
      'start_date=yesterday',
      'start_date=2026-03-05&end_date=2026-03-01',
      'interval=year',
      'start_date=2000-01-01&end_date=2026-01-01',
      'start_date=0000-01-01&end_date=0000-01-05',
      'end_date=0001-01-05',
    ]) {
      const r = await svc.api('GET', `${base('boss')}/assertions-over-time?${q}`, { token: tokens.boss });
      expect(r.status, q).toBe(400);
      expect(r.body.status.success).toBe(false);
    }
  });
});
