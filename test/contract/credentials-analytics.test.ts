import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestService, type TestService } from '../support/harness.js';
import { DB_KINDS } from '../support/databases.js';
import { seedAssertions, seedCatalog } from '../support/seed-assertions.js';
import type { Db } from '../../src/db/database.js';

/**
 * The over-time routes of credentials-api.md, as the published reference answers them:
 * `GET …/assertions-over-time/`, `…/credentials-over-time/`, `…/course-assertions-over-time/`
 * with start_date, end_date (ISO 8601), department_id, include_main_platform (default true) and
 * format=json → the bare `{data: {"YYYY-MM-DD": n}, total, meta: {…}}`.
 */
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const count = z.number().int().min(0);
const change = z.number().int();
const percent = z.number().nullable();
const meta = z.strictObject({
  total: count,
  change_range: change,
  change_range_percent: percent,
  change_last_seven_days: change,
  change_last_seven_days_percent: percent,
  change_last_thirty_days: change,
  change_last_thirty_days_percent: percent,
});
const overTime = z.object({ data: z.record(day, count), total: count, meta });
const ROUTES = ['assertions-over-time', 'credentials-over-time', 'course-assertions-over-time'] as const;

function matches<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new Error(
      `response does not match the reference's shape: ${z.prettifyError(r.error)}\n${JSON.stringify(value)}`,
    );
  return r.data;
}

/** Awards in `org` of a credential of the main platform (as if issued under an authorization). */
async function seedMainPlatformAwards(
  db: Db,
  org: string,
  rows: { user: string; issuedOn: string; course: string | null }[],
) {
  const main = await seedCatalog(db, 'main');
  await db
    .insertInto('assertions')
    .values(
      rows.map((r, i) => ({
        id: randomBytes(12).toString('base64url'),
        org,
        credential_id: main.credentialId,
        issuer_id: main.issuerId,
        recipient_user_id: r.user,
        salt: 's',
        issued_on: new Date(r.issuedOn),
        course: r.course,
        created_by: 'seed',
        status_list_id: main.listId,
        status_list_index: i,
        signing_key_id: 'seed',
        credential_json: '{}',
        credential_jwt: 'seed',
      })),
    )
    .execute();
}

describe.each(DB_KINDS)('credentials-api.md over-time analytics, as the reference answers (%s)', (db) => {
  let svc: TestService;
  const t: Record<string, string> = {};
  const get = (user: string, route: string, q = '') =>
    svc.api('GET', `/api/credentials/orgs/ny/users/${user}/${route}/${q ? `?${q}` : ''}`, { token: t[user] });
  const RANGE = 'start_date=2026-03-01&end_date=2026-03-10&format=json';

  beforeAll(async () => {
    svc = await startTestService({ db, workers: false });
    await svc.api('POST', '/api/admin/orgs', {
      body: { org: 'ny', name: 'New York School', timezone: 'America/New_York' },
    });
    const users = [
      { user_id: 'boss', role: 'platform_admin' },
      { user_id: 'dee', role: 'department_admin', departments: ['math'] },
      { user_id: 'stu', role: 'student' },
      ...['u1', 'u5a', 'u10a'].map((u) => ({ user_id: u, role: 'student', departments: ['math'] })),
      ...['u5b', 'u10b'].map((u) => ({ user_id: u, role: 'student', departments: ['art'] })),
    ];
    expect((await svc.api('POST', '/api/admin/orgs/ny/users', { body: { users } })).status).toBe(200);
    for (const u of ['boss', 'dee', 'stu'])
      t[u] = (await svc.api('POST', `/api/admin/orgs/ny/users/${u}/tokens`)).body.result.token;
    const rt = svc.service.runtime;
    // 12:00Z is 07:00 or 08:00 in New York: the same local day.
    await seedAssertions(rt.db, 'ny', [
      { user: 'p1', issuedOn: '2026-02-20T12:00:00Z' },
      { user: 'p2', issuedOn: '2026-02-20T12:00:00Z' },
      { user: 'u1', issuedOn: '2026-03-01T12:00:00Z' },
      { user: 'u5a', issuedOn: '2026-03-05T12:00:00Z', course: 'algebra' },
      { user: 'u5b', issuedOn: '2026-03-05T12:00:00Z', course: 'algebra' },
      { user: 'u10a', issuedOn: '2026-03-10T12:00:00Z', course: 'geometry' },
      { user: 'u10b', issuedOn: '2026-03-10T12:00:00Z' },
      { user: 'u10c', issuedOn: '2026-03-10T12:00:00Z' },
      // 02:00Z on 11 March is still 10 March in New York (22:00, EDT).
      { user: 'late', issuedOn: '2026-03-11T02:00:00Z' },
    ]);
    await seedMainPlatformAwards(rt.db, 'ny', [
      { user: 'm1', issuedOn: '2026-03-10T12:00:00Z', course: 'platform-101' },
    ]);
  });
  afterAll(() => svc?.stop());

  it('every route answers the bare {data, total, meta}, zero-filled day by day, total = sum of data', async () => {
    for (const route of ROUTES) {
      const r = await get('boss', route, RANGE);
      expect(r.status, route).toBe(200);
      expect(r.body.status, route).toBeUndefined();
      const body = matches(overTime, r.body);
      expect(Object.keys(body.data)).toEqual(
        Array.from({ length: 10 }, (_v, i) => `2026-03-${String(i + 1).padStart(2, '0')}`),
      );
      expect(body.total).toBe(Object.values(body.data).reduce((a, b) => a + b, 0));
      expect(body.meta.total).toBe(body.total);
    }
  });

  it('assertions-over-time: counts per local day, and meta compares each window with the one before it', async () => {
    const body = matches(overTime, (await get('boss', 'assertions-over-time', RANGE)).body);
    expect(body.data).toMatchObject({ '2026-03-01': 1, '2026-03-02': 0, '2026-03-05': 2, '2026-03-10': 5 });
    expect(body.total).toBe(8);
    expect(body.meta).toEqual({
      total: 8,
      // 10 days against the 10 before (19–28 Feb): 2.
      change_range: 6,
      change_range_percent: 300,
      // 4–10 March (7) against 25 Feb – 3 March (1).
      change_last_seven_days: 6,
      change_last_seven_days_percent: 600,
      // 9 Feb – 10 March (10) against 10 Jan – 8 Feb (0): no base for a percentage.
      change_last_thirty_days: 10,
      change_last_thirty_days_percent: null,
    });
  });

  it('start_date and end_date take ISO 8601 date-times: an instant counts as its local day', async () => {
    // 2026-03-10T03:00Z is 9 March in New York (23:00 the day before).
    const body = matches(
      overTime,
      (
        await get(
          'boss',
          'assertions-over-time',
          'start_date=2026-03-05T12:00:00Z&end_date=2026-03-10T03:00:00%2B00:00',
        )
      ).body,
    );
    expect(Object.keys(body.data)).toEqual(['2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09']);
    const local = matches(
      overTime,
      (await get('boss', 'assertions-over-time', 'start_date=2026-03-10T00:00&end_date=2026-03-10T23:59:59')).body,
    );
    expect(local.data).toEqual({ '2026-03-10': 5 });
  });

  it("include_main_platform (default true): false leaves out awards of the main platform's credentials", async () => {
    const withMain = matches(
      overTime,
      (await get('boss', 'assertions-over-time', `${RANGE}&include_main_platform=true`)).body,
    );
    const without = matches(
      overTime,
      (await get('boss', 'assertions-over-time', `${RANGE}&include_main_platform=false`)).body,
    );
    expect(withMain.total).toBe(8);
    expect(without.total).toBe(7);
    expect(without.data['2026-03-10']).toBe(4);
    expect(without.meta).toMatchObject({
      change_range: 5,
      change_range_percent: 250,
      change_last_seven_days: 5,
      change_last_seven_days_percent: 500,
    });
    const courses = (q: string) => get('boss', 'course-assertions-over-time', `${RANGE}${q}`);
    expect(matches(overTime, (await courses('')).body).total).toBe(4);
    const noMainCourses = (await courses('&include_main_platform=false')).body;
    expect(matches(overTime, noMainCourses).total).toBe(3);
    expect(noMainCourses.courses.map((c: { course: string }) => c.course)).toEqual(['algebra', 'geometry']);
  });

  it('course-assertions-over-time counts awards made for a course, with the per-course series beside', async () => {
    const r = await get('boss', 'course-assertions-over-time', RANGE);
    const body = matches(
      overTime.extend({ courses: z.array(z.object({ course: z.string(), total: count, data: z.record(day, count) })) }),
      r.body,
    );
    expect(body.data).toMatchObject({ '2026-03-05': 2, '2026-03-10': 2 });
    expect(body.courses.map((c) => [c.course, c.total])).toEqual([
      ['algebra', 2],
      ['geometry', 1],
      ['platform-101', 1],
    ]);
  });

  it("department_id: the assertions of that department's users; department admins only their own", async () => {
    const math = matches(overTime, (await get('boss', 'assertions-over-time', `${RANGE}&department_id=math`)).body);
    expect(math.total).toBe(3);
    expect(math.data).toMatchObject({ '2026-03-01': 1, '2026-03-05': 1, '2026-03-10': 1 });
    const art = matches(overTime, (await get('boss', 'assertions-over-time', `${RANGE}&department_id=art`)).body);
    expect(art.total).toBe(2);
    const dee = matches(overTime, (await get('dee', 'assertions-over-time', `${RANGE}&department_id=math`)).body);
    expect(dee).toEqual(math);
    expect(matches(overTime, (await get('dee', 'assertions-over-time', RANGE)).body).total).toBe(3);
    const notHers = await get('dee', 'assertions-over-time', `${RANGE}&department_id=art`);
    expect(notHers.status).toBe(403);
    const unknown = await get('boss', 'assertions-over-time', `${RANGE}&department_id=nowhere`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.status.description).toMatch(/nowhere/);
    const credentials = await get('boss', 'credentials-over-time', `${RANGE}&department_id=math`);
    expect(credentials.status).toBe(400);
    expect(credentials.body.fieldErrors).toHaveProperty('department_id');
    expect((await get('stu', 'assertions-over-time', RANGE)).status).toBe(403);
  });

  it('credentials-over-time counts credentials created; the default range is the 30 days ending today', async () => {
    const body = matches(overTime, (await get('boss', 'credentials-over-time')).body);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(new Date());
    expect(Object.keys(body.data)).toHaveLength(30);
    expect(Object.keys(body.data).at(-1)).toBe(today);
    // seedAssertions made one credential in ny, just now.
    expect(body.total).toBe(1);
    expect(body.meta).toMatchObject({
      change_range: 1,
      change_range_percent: null,
      change_last_seven_days: 1,
      change_last_seven_days_percent: null,
    });
  });

  it('bad dates and parameters are a 400 naming the parameter, on every route', async () => {
    const bad = [
      'start_date=2026-02-30',
      'start_date=yesterday',
      'end_date=2026-03-01T25:00:00Z',
      'end_date=03/01/2026',
      'start_date=2026-03-10&end_date=2026-03-01',
      'start_date=1969-12-31',
      'start_date=2000-01-01&end_date=2026-01-01',
      'format=csv',
      'include_main_platform=maybe',
      'interval=year',
    ];
    for (const route of ROUTES) {
      for (const q of bad) {
        const r = await get('boss', route, q);
        expect(r.status, `${route}?${q}`).toBe(400);
        expect(r.body.status.success).toBe(false);
      }
    }
    const named = await get('boss', 'assertions-over-time', 'start_date=2026-02-30');
    expect(Object.keys(named.body.fieldErrors)).toEqual(['start_date']);
  });
});
