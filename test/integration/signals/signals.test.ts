import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/harness.js';
import { DB_KINDS } from '../../support/databases.js';

describe.each(DB_KINDS)('issuing signals (%s)', (db) => {
  let svc: TestService;
  let token: string;
  let student: string;
  const as = (method: string, path: string, body?: unknown, t = token) =>
    svc.api(method, `/api/credentials/orgs/lms/users/boss${path}`, { token: t, body });
  const cred: Record<string, string> = {};

  async function finished(statusUrl: string) {
    for (let i = 0; i < 100; i++) {
      const r = await svc.api('GET', statusUrl.slice(svc.url.length), { token });
      if (r.body.result.state === 'completed') return r.body.result;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`job did not finish: ${statusUrl}`);
  }

  beforeAll(async () => {
    svc = await startTestService({ db });
    await svc.api('POST', '/api/admin/orgs', { body: { org: 'lms', name: 'LMS' } });
    await svc.api('POST', '/api/admin/orgs/lms/users', {
      body: {
        users: [
          { user_id: 'boss', role: 'platform_admin' },
          { user_id: 'ann', role: 'student', email: 'ann@lms.test' },
          { user_id: 'bo', role: 'student' },
        ],
      },
    });
    token = (await svc.api('POST', '/api/admin/orgs/lms/users/boss/tokens')).body.result.token;
    student = (await svc.api('POST', '/api/admin/orgs/lms/users/ann/tokens')).body.result.token;
    const issuer = (await as('POST', '/issuers/', { name: 'LMS' })).body.result.entityId;
    for (const [name, course, signal] of [
      ['Python 101', 'py101', 'course_completed'],
      ['Python 101 honours', 'py101', 'course_completed'],
      ['Rust 101', 'rs101', 'course_completed'],
      ['Attendance', 'py101', 'attended'],
    ]) {
      cred[name] = (
        await as('POST', '/', {
          name,
          description: name,
          issuer,
          criteria_text: 'Done',
          course,
          issuing_signal: signal,
        })
      ).body.result.entityId;
    }
  });
  afterAll(() => svc?.stop());

  it('issues every matching credential, and a signal repeated three times issues once', async () => {
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      const r = await as('POST', '/signals/', {
        signal: 'course_completed',
        course: 'py101',
        users: ['ann', 'bo', 'ghost'],
      });
      expect(r.status).toBe(202);
      expect(r.body.result.triggered.map((t: { name: string }) => t.name)).toEqual([
        'Python 101',
        'Python 101 honours',
      ]);
      outcomes.push(
        await Promise.all(r.body.result.triggered.map((t: { status_url: string }) => finished(t.status_url))),
      );
    }
    expect(outcomes[0].map((j) => j.result.issued.sort())).toEqual([
      ['ann', 'bo'],
      ['ann', 'bo'],
    ]);
    expect(outcomes[0][0].result.failed).toEqual([expect.objectContaining({ user: 'ghost' })]);
    for (const later of outcomes.slice(1))
      expect(later.map((j) => j.result.skipped.sort())).toEqual([
        ['ann', 'bo'],
        ['ann', 'bo'],
      ]);
    const count = await svc.service.runtime.db
      .selectFrom('assertions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(4);
  });

  it('a credential that cannot be issued (retired issuer) is reported and does not stop the others', async () => {
    const gone = (await as('POST', '/issuers/', { name: 'Old LMS' })).body.result.entityId;
    const first = (
      await as('POST', '/', {
        name: 'Legacy',
        description: 'x',
        issuer: gone,
        criteria_text: 'x',
        issuing_signal: 'migrated',
      })
    ).body.result.entityId;
    const live = (
      await svc.api('GET', '/api/credentials/orgs/lms/users/boss/issuers/', { token })
    ).body.result.data.find((i: { name: string }) => i.name === 'LMS').entityId;
    const second = (
      await as('POST', '/', {
        name: 'Current',
        description: 'x',
        issuer: live,
        criteria_text: 'x',
        issuing_signal: 'migrated',
      })
    ).body.result.entityId;
    expect((await as('DELETE', `/issuers/${gone}`)).status).toBeLessThan(300);
    const r = await as('POST', '/signals/', { signal: 'migrated', users: ['ann'] });
    expect(r.status).toBe(202);
    const [legacy, current] = r.body.result.triggered;
    expect(legacy).toMatchObject({ credential: first, job_id: null, error: expect.stringMatching(/retired/) });
    expect(current.credential).toBe(second);
    expect((await finished(current.status_url)).result.issued).toEqual(['ann']);
  });

  it('matches the signal and course exactly; nothing matching is 200 with nothing triggered', async () => {
    const none = await as('POST', '/signals/', { signal: 'course_completed', course: 'go101', users: ['ann'] });
    expect(none.status).toBe(200);
    expect(none.body.result).toEqual({ signal: 'course_completed', triggered: [] });
    const attended = await as('POST', '/signals/', { signal: 'attended', users: ['ann'] });
    expect(attended.body.result.triggered.map((t: { name: string }) => t.name)).toEqual(['Attendance']);
  });

  it('refuses students and bad bodies', async () => {
    const own = await svc.api('POST', '/api/credentials/orgs/lms/users/ann/signals/', {
      token: student,
      body: { signal: 'attended', users: ['ann'] },
    });
    expect(own.status).toBe(403);
    expect(own.body.status.description).toMatch(/platform admins/);
    expect((await as('POST', '/signals/', { signal: 'attended', users: [] })).status).toBe(400);
    expect((await as('POST', '/signals/', { users: ['ann'] })).status).toBe(400);
  });
});
