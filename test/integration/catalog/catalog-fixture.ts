import { expect } from 'vitest';
import { startTestService, type TestService } from '../../support/harness.js';
import type { DbKind } from '../../support/databases.js';

/**
 * A service with two orgs: acme (alice: platform admin, dora: department admin, sam: student)
 * and globex (gina: platform admin). `as(user)` calls the tenant routes as that user.
 */
export interface CatalogFixture {
  svc: TestService;
  tokens: Record<'alice' | 'dora' | 'sam' | 'gina', string>;
  as(user: 'alice' | 'dora' | 'sam' | 'gina'): CallAs;
}

export type CallAs = (
  method: string,
  rest: string,
  opts?: { body?: unknown; headers?: Record<string, string> },
) => ReturnType<TestService['api']>;

const USERS = {
  alice: { org: 'acme', role: 'platform_admin' },
  dora: { org: 'acme', role: 'department_admin' },
  sam: { org: 'acme', role: 'student' },
  gina: { org: 'globex', role: 'platform_admin' },
} as const;

export async function startCatalogService(db: DbKind): Promise<CatalogFixture> {
  const svc = await startTestService({ db, workers: false });
  for (const org of ['acme', 'globex']) {
    expect((await svc.api('POST', '/api/admin/orgs', { body: { org, name: org.toUpperCase() } })).status).toBe(201);
  }
  const tokens = {} as CatalogFixture['tokens'];
  for (const [user, { org, role }] of Object.entries(USERS)) {
    expect(
      (
        await svc.api('PUT', `/api/admin/orgs/${org}/users/${user}`, {
          body: { role, departments: role === 'department_admin' ? ['d1'] : [] },
        })
      ).status,
    ).toBe(200);
    tokens[user as keyof typeof USERS] = (
      await svc.api('POST', `/api/admin/orgs/${org}/users/${user}/tokens`)
    ).body.result.token;
  }
  return {
    svc,
    tokens,
    as(user) {
      const { org } = USERS[user];
      return (method, rest, opts = {}) =>
        svc.api(method, `/api/credentials/orgs/${org}/users/${user}${rest}`, { token: tokens[user], ...opts });
    },
  };
}
