import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/harness.js';
import { DB_KINDS } from '../../support/databases.js';

describe.each(DB_KINDS)('directory: users in bulk, departments, groups (%s)', (db) => {
  let svc: TestService;
  let mathAdmin: string;
  let student: string;

  beforeAll(async () => {
    svc = await startTestService({ db, workers: false });
    await svc.api('POST', '/api/admin/orgs', { body: { org: 'school', name: 'School' } });
    await svc.api('PUT', '/api/admin/orgs/school/users/mia', {
      body: { role: 'department_admin', departments: ['math'] },
    });
    await svc.api('PUT', '/api/admin/orgs/school/users/stu', { body: { role: 'student' } });
    mathAdmin = (await svc.api('POST', '/api/admin/orgs/school/users/mia/tokens')).body.result.token;
    student = (await svc.api('POST', '/api/admin/orgs/school/users/stu/tokens')).body.result.token;
  });
  afterAll(() => svc?.stop());

  it('upserts 10,000 users in one request and one transaction; a repeat updates, never duplicates', async () => {
    const users = Array.from({ length: 10_000 }, (_, i) => ({
      user_id: `learner${i}`,
      role: 'student',
      email: `learner${i}@school.test`,
      departments: i % 2 ? ['math'] : ['art'],
    }));
    const first = await svc.api('POST', '/api/admin/orgs/school/users/', { body: { users } });
    expect(first.status).toBe(200);
    expect(first.body.result).toEqual({ upserted: 10_000 });
    const again = await svc.api('POST', '/api/admin/orgs/school/users', {
      body: {
        users: [
          { user_id: 'learner1', role: 'student', name: 'Renamed' },
          { user_id: 'learner1', role: 'student', name: 'Last wins' },
        ],
      },
    });
    expect(again.body.result).toEqual({ upserted: 1 });
    const page = await svc.api('GET', '/api/admin/orgs/school/users?q=learner1&page_size=100');
    expect(page.body.result.count).toBe(1111); // learner1, learner10-19, learner100-199, learner1000-1999
    const one = page.body.result.data.find((u: { user_id: string }) => u.user_id === 'learner1');
    expect(one).toMatchObject({ name: 'Last wins', email: 'learner1@school.test', departments: ['math'] });
  }, 60_000);

  it('refuses a batch with one bad entry as a whole, and an oversized batch', async () => {
    const bad = await svc.api('POST', '/api/admin/orgs/school/users', {
      body: {
        users: [
          { user_id: 'ok1', role: 'student' },
          { user_id: 'bad one', role: 'student' },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fieldErrors)).toEqual(['users.1.user_id']);
    expect((await svc.api('GET', '/api/admin/orgs/school/users?q=ok1')).body.result.count).toBe(0);
    const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ user_id: `x${i}`, role: 'student' }));
    const r = await svc.api('POST', '/api/admin/orgs/school/users', { body: { users: tooMany } });
    expect(r.status).toBe(400);
    expect(r.body.status.description).toMatch(/10000/);
    expect((await svc.api('POST', '/api/admin/orgs/school/users', { body: { users: [] } })).status).toBe(400);
  });

  it('departments and groups follow the role rules', async () => {
    expect(
      (await svc.api('PUT', '/api/admin/orgs/school/departments/math', { body: { name: 'Mathematics' } })).status,
    ).toBe(200);
    // A department admin manages groups in their own department only.
    const mine = await svc.api('PUT', '/api/admin/orgs/school/groups/algebra-1', {
      token: mathAdmin,
      body: { name: 'Algebra 1', department: 'math', members: ['learner1', 'learner3', 'learner3'] },
    });
    expect(mine.status).toBe(200);
    expect(mine.body.result).toEqual({
      group_id: 'algebra-1',
      name: 'Algebra 1',
      department: 'math',
      members: ['learner1', 'learner3'],
    });
    expect(
      (
        await svc.api('PUT', '/api/admin/orgs/school/groups/painting', {
          token: mathAdmin,
          body: { name: 'P', department: 'art' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await svc.api('PUT', '/api/admin/orgs/school/groups/loose', {
          token: mathAdmin,
          body: { name: 'No department' },
        })
      ).status,
    ).toBe(403);
    // …and cannot move their group out of their department.
    expect(
      (
        await svc.api('PUT', '/api/admin/orgs/school/groups/algebra-1', {
          token: mathAdmin,
          body: { name: 'A', department: 'art' },
        })
      ).status,
    ).toBe(403);
    expect(
      (await svc.api('PUT', '/api/admin/orgs/school/departments/math', { token: mathAdmin, body: { name: 'x' } }))
        .status,
    ).toBe(403);
    expect(
      (await svc.api('PUT', '/api/admin/orgs/school/groups/g', { token: student, body: { name: 'G' } })).status,
    ).toBe(403);

    const added = await svc.api('POST', '/api/admin/orgs/school/groups/algebra-1/members/', {
      token: mathAdmin,
      body: { users: ['learner5', 'learner1'] },
    });
    expect(added.body.result.members).toEqual(['learner1', 'learner3', 'learner5']);
    const removed = await svc.api('DELETE', '/api/admin/orgs/school/groups/algebra-1/members', {
      token: mathAdmin,
      body: { users: ['learner3'] },
    });
    expect(removed.body.result.members).toEqual(['learner1', 'learner5']);
    const unknown = await svc.api('POST', '/api/admin/orgs/school/groups/algebra-1/members', {
      body: { users: ['ghost', 'learner7'] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.status.description).toMatch(/ghost/);
    expect(
      (await svc.api('POST', '/api/admin/orgs/school/groups/nope/members', { body: { users: ['learner1'] } })).status,
    ).toBe(404);
    // A department admin's groups hold users of their departments only (learner2 is in art).
    const outside = await svc.api('POST', '/api/admin/orgs/school/groups/algebra-1/members', {
      token: mathAdmin,
      body: { users: ['learner2'] },
    });
    expect(outside.status).toBe(403);
    expect(outside.body.status.description).toMatch(/learner2/);
    expect(
      (
        await svc.api('PUT', '/api/admin/orgs/school/groups/algebra-1', {
          token: mathAdmin,
          body: { name: 'A', members: ['learner1', 'learner2'] },
        })
      ).status,
    ).toBe(403);
    expect(
      (await svc.api('GET', '/api/admin/orgs/school/users?q=learner2&page_size=1')).body.result.count,
    ).toBeGreaterThan(0);
    const members = await svc.api('POST', '/api/admin/orgs/school/groups/algebra-1/members', {
      body: { users: ['learner2'] },
    });
    expect(members.body.result.members).toContain('learner2'); // platform admins may
  });

  it('a department listed twice for a user is one membership', async () => {
    const r = await svc.api('PUT', '/api/admin/orgs/school/users/twice', {
      body: { role: 'student', departments: ['math', 'math'] },
    });
    expect(r.status).toBe(200);
    expect(r.body.result.departments).toEqual(['math']);
    const batch = await svc.api('POST', '/api/admin/orgs/school/users', {
      body: { users: [{ user_id: 'twice2', role: 'student', departments: ['art', 'art', 'math'] }] },
    });
    expect(batch.status).toBe(200);
  });

  it('the main org keeps a platform admin: demoting the last one over HTTP is a 409, in any form', async () => {
    // Read from the database: which admin token still works depends on who won the race below.
    const db = svc.service.runtime.db;
    const role = async (u: string) =>
      (
        await db
          .selectFrom('users')
          .select('role')
          .where('org', '=', 'main')
          .where('user_id', '=', u)
          .executeTakeFirst()
      )?.role;
    const self = await svc.api('PUT', '/api/admin/orgs/main/users/admin', { body: { role: 'student' } });
    expect(self.status).toBe(409);
    expect(self.body.status.description).toMatch(/must keep a platform admin/);
    expect(await role('admin')).toBe('platform_admin');
    expect(
      (
        await svc.api('POST', '/api/admin/orgs/main/users', {
          body: { users: [{ user_id: 'admin', role: 'department_admin' }] },
        })
      ).status,
    ).toBe(409);

    // With a second admin, either may step down; a batch demoting both is refused as a whole.
    await svc.api('PUT', '/api/admin/orgs/main/users/second', { body: { role: 'platform_admin' } });
    const second = (await svc.api('POST', '/api/admin/orgs/main/users/second/tokens')).body.result.token;
    const both = {
      users: [
        { user_id: 'admin', role: 'student' },
        { user_id: 'second', role: 'student' },
      ],
    };
    expect((await svc.api('POST', '/api/admin/orgs/main/users', { body: both })).status).toBe(409);
    expect([await role('admin'), await role('second')]).toEqual(['platform_admin', 'platform_admin']);

    // Each demotes the other at the same moment: one wins, the org is never left without an admin.
    const [a, b] = await Promise.all([
      svc.api('PUT', '/api/admin/orgs/main/users/second', { body: { role: 'student' } }),
      svc.api('PUT', '/api/admin/orgs/main/users/admin', { body: { role: 'student' }, token: second }),
    ]);
    // The loser is refused: 409 when both ran together, 403 when `second` was already demoted.
    expect([a.status, b.status].filter((st) => st === 200)).toHaveLength(1);
    expect([409, 403]).toContain([a.status, b.status].find((st) => st !== 200));
    const admins = [await role('admin'), await role('second')].filter((r) => r === 'platform_admin');
    expect(admins).toHaveLength(1);
    // Other orgs may be left without one (the main org's admins still administer them).
    const winner = (await role('admin')) === 'platform_admin' ? svc.adminToken : second;
    expect(
      (await svc.api('PUT', '/api/admin/orgs/school/users/stu', { body: { role: 'student' }, token: winner })).status,
    ).toBe(200);
  });
});
