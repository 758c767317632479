import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/harness.js';
import { DB_KINDS } from '../../support/databases.js';

describe.each(DB_KINDS)('assignments: role matrix, groups, progress (%s)', (db) => {
  let svc: TestService;
  const t: Record<string, string> = {};
  let credential: string;
  let other: string;
  const as = (user: string, method: string, path: string, body?: unknown) =>
    svc.api(method, `/api/credentials/orgs/acad/users/${user}${path}`, { token: t[user], body });

  beforeAll(async () => {
    svc = await startTestService({ db });
    await svc.api('POST', '/api/admin/orgs', { body: { org: 'acad', name: 'Academy' } });
    await svc.api('POST', '/api/admin/orgs', { body: { org: 'rival', name: 'Rival' } });
    await svc.api('POST', '/api/admin/orgs/acad/users', {
      body: {
        users: [
          { user_id: 'boss', role: 'platform_admin' },
          { user_id: 'dm', role: 'department_admin', departments: ['math'] },
          { user_id: 'da', role: 'department_admin', departments: ['art'] },
          { user_id: 's1', role: 'student', departments: ['math'], email: 's1@acad.test', name: 'Sam One' },
          { user_id: 's2', role: 'student', departments: ['art'], email: 's2@acad.test' },
          { user_id: 's3', role: 'student', departments: ['math'], email: 's3@acad.test' },
        ],
      },
    });
    await svc.api('PUT', '/api/admin/orgs/rival/users/rb', { body: { role: 'platform_admin' } });
    for (const u of ['boss', 'dm', 'da', 's1', 's2', 's3'])
      t[u] = (await svc.api('POST', `/api/admin/orgs/acad/users/${u}/tokens`)).body.result.token;
    t.rb = (await svc.api('POST', '/api/admin/orgs/rival/users/rb/tokens')).body.result.token;
    await svc.api('PUT', '/api/admin/orgs/acad/groups/calc', {
      body: { name: 'Calculus', department: 'math', members: ['s1'] },
    });
    const issuer = (await as('boss', 'POST', '/issuers/', { name: 'Academy' })).body.result.entityId;
    credential = (
      await as('boss', 'POST', '/', {
        name: 'Calculus I',
        description: 'Limits and derivatives',
        issuer,
        criteria_text: 'Pass the exam',
      })
    ).body.result.entityId;
    other = (await as('boss', 'POST', '/', { name: 'Painting', description: 'Colour', issuer, criteria_text: 'Paint' }))
      .body.result.entityId;
    expect(credential).toBeTruthy();
  });
  afterAll(() => svc?.stop());

  it('who may assign whom', async () => {
    expect(
      (await as('boss', 'POST', '/assignments/users/', { credential, users: ['s1', 's2'], due_date: '2026-12-31' }))
        .status,
    ).toBe(201);
    const dm = await as('dm', 'POST', '/assignments/users', { credential: other, users: ['s1'] });
    expect(dm.status).toBe(201);
    expect(dm.body.result).toEqual([expect.objectContaining({ user_id: 's1', status: 'not_issued', assertion: null })]);
    expect((await as('dm', 'POST', '/assignments/users', { credential: other, users: ['s2'] })).status).toBe(403);
    expect((await as('s1', 'POST', '/assignments/users', { credential, users: ['s1'] })).status).toBe(403);
    expect((await as('boss', 'POST', '/assignments/users', { credential, users: ['ghost'] })).status).toBe(400);
    expect((await as('boss', 'POST', '/assignments/users', { credential: 'nope', users: ['s1'] })).status).toBe(404);
    expect((await as('boss', 'POST', '/assignments/users', { credential, users: [] })).status).toBe(400);
    for (const due_date of ['2026-02-30x', '2027-02-30', '0000-01-01']) {
      expect(
        (await as('boss', 'POST', '/assignments/users', { credential, users: ['s1'], due_date })).status,
        due_date,
      ).toBe(400);
    }
    // Assigning again without a due date keeps the one set; null clears it.
    const again = await as('boss', 'POST', '/assignments/users', { credential, users: ['s1'] });
    expect(again.body.result[0].due_date).toBe('2026-12-31');
    const rival = await svc.api('POST', '/api/credentials/orgs/acad/users/rb/assignments/users', {
      token: t.rb,
      body: { credential, users: ['s1'] },
    });
    expect(rival.status).toBe(403);
    expect((await as('dm', 'POST', '/assignments/groups/', { credential, group: 'calc' })).status).toBe(201);
    expect((await as('da', 'POST', '/assignments/groups', { credential, group: 'calc' })).status).toBe(403);
    expect((await as('boss', 'POST', '/assignments/groups', { credential, group: 'nope' })).status).toBe(404);
  });

  it('who sees what: own, departments, everything', async () => {
    const list = async (user: string) =>
      (await as(user, 'GET', '/assignments/users/?page_size=100')).body.result.data
        .map((a: { user_id: string; credential: { name: string } }) => `${a.user_id}:${a.credential.name}`)
        .sort();
    // s1 is assigned Calculus directly and through the group: one row.
    expect(await list('s1')).toEqual(['s1:Calculus I', 's1:Painting']);
    expect(await list('s2')).toEqual(['s2:Calculus I']);
    expect(await list('dm')).toEqual(['s1:Calculus I', 's1:Painting']);
    expect(await list('da')).toEqual(['s2:Calculus I']);
    expect(await list('boss')).toEqual(['s1:Calculus I', 's1:Painting', 's2:Calculus I']);
    const groups = await as('s2', 'GET', '/assignments/groups/');
    expect(groups.body.result.count).toBe(0);
    expect((await as('s1', 'GET', '/assignments/groups/')).body.result.count).toBe(1);
  });

  it('a group assignment covers a member who joins later, and progress follows issuance and revocation', async () => {
    expect((await as('s3', 'GET', '/assignments/users')).body.result.count).toBe(0);
    await svc.api('POST', '/api/admin/orgs/acad/groups/calc/members', { body: { users: ['s3'] } });
    const s3 = await as('s3', 'GET', '/assignments/users');
    expect(s3.body.result.data).toEqual([
      expect.objectContaining({ user_id: 's3', group: 'calc', status: 'not_issued', due_date: null }),
    ]);

    const issued = await as('boss', 'POST', `/${credential}/assertions/`, { recipient: { user_id: 's3' } });
    expect(issued.status).toBe(201);
    const assertionId = issued.body.entityId ?? issued.body.result?.entityId;
    expect(assertionId).toBeTruthy();
    const after = (await as('s3', 'GET', '/assignments/users')).body.result.data[0];
    expect(after).toMatchObject({ status: 'issued', assertion: { entityId: assertionId, revoked: false } });
    const groups = (await as('dm', 'GET', '/assignments/groups')).body.result.data;
    expect(groups[0]).toMatchObject({
      group: { group_id: 'calc', department: 'math' },
      progress: { members: 2, earned: 1 },
    });

    const revoke = await as('boss', 'PUT', `/assertions/${assertionId}`, {
      revoked: true,
      revocationReason: 'Exam retaken',
    });
    expect(revoke.status).toBe(200);
    const revoked = (await as('s3', 'GET', '/assignments/users')).body.result.data[0];
    expect(revoked).toMatchObject({
      status: 'revoked',
      assertion: { revoked: true, revocationReason: 'Exam retaken' },
    });
  });

  it('only admins delete, and department admins only inside their departments', async () => {
    const all = (await as('boss', 'GET', '/assignments/users?page_size=100')).body.result.data as {
      entityId: string;
      user_id: string;
      group: string | null;
    }[];
    const s2 = all.find((a) => a.user_id === 's2')!;
    const s1 = all.find((a) => a.user_id === 's1' && a.group === null)!;
    expect((await as('s1', 'DELETE', `/assignments/${s1.entityId}`)).status).toBe(403);
    expect((await as('dm', 'DELETE', `/assignments/${s2.entityId}`)).status).toBe(403);
    expect((await as('dm', 'DELETE', `/assignments/${s1.entityId}`)).status).toBe(204);
    expect((await as('dm', 'DELETE', `/assignments/${s1.entityId}`)).status).toBe(404);
    const rival = await svc.api('DELETE', `/api/credentials/orgs/rival/users/rb/assignments/${s2.entityId}`, {
      token: t.rb,
    });
    expect(rival.status).toBe(404);
  });

  it("a deleted credential's assignments leave the lists", async () => {
    const issuer = (await as('boss', 'GET', '/issuers/')).body.result.data[0].entityId;
    const gone = (
      await as('boss', 'POST', '/', { name: 'Retired course', description: 'x', issuer, criteria_text: 'x' })
    ).body.result.entityId;
    expect((await as('boss', 'POST', '/assignments/users', { credential: gone, users: ['s1'] })).status).toBe(201);
    expect((await as('boss', 'POST', '/assignments/groups', { credential: gone, group: 'calc' })).status).toBe(201);
    const count = async () => [
      (await as('boss', 'GET', '/assignments/users?page_size=100')).body.result.data.filter(
        (a: { credential: { entityId: string } }) => a.credential.entityId === gone,
      ).length,
      (await as('boss', 'GET', '/assignments/groups?page_size=100')).body.result.data.filter(
        (a: { credential: { entityId: string } }) => a.credential.entityId === gone,
      ).length,
    ];
    const [users, groups] = await count();
    expect(users).toBeGreaterThanOrEqual(1); // s1, and calc's members
    expect(groups).toBe(1);
    expect((await as('boss', 'DELETE', `/${gone}`)).status).toBeLessThan(300);
    expect(await count()).toEqual([0, 0]);
  });
});
