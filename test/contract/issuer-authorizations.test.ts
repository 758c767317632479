import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestService, type TestService } from '../support/harness.js';
import { DB_KINDS } from '../support/databases.js';

/**
 * The seed `issuer-authorizations.txt`, endpoint by endpoint: the documented request, the
 * documented response shape (field names and types checked with zod), and the bad inputs
 * (unknown org, not an admin, duplicate authorize) answered in Credly's `{"data": {"message"}}`.
 */
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

const organization = z.strictObject({
  type: z.literal('Organization'),
  id: uuid,
  name: z.string(),
  vanity_slug: z.string(),
  url: z.string().nullable(),
  photo: z.strictObject({ id: uuid, url: z.string() }).nullable(),
  photo_url: z.string().nullable(),
  badge_template_count: z.number().int().min(0),
});

const authorization = z.strictObject({
  id: uuid,
  authorization_type: z.string(),
  display_issuer_as: z.enum(['grantor', 'issuer']),
  restrict_by_badge_templates: z.boolean(),
  subscription_type: z.null(),
  allowed_badge_templates: z.array(z.string()),
  collections: z.array(z.unknown()),
  issuer: organization,
  grantor: organization,
});

const metadata = z.strictObject({
  count: z.number().int(),
  current_page: z.number().int(),
  total_count: z.number().int(),
  total_pages: z.number().int(),
  per: z.number().int(),
  previous_page_url: z.string().nullable(),
  next_page_url: z.string().nullable(),
});

const issuersPage = z.strictObject({ data: z.array(authorization), metadata });
const grantorsPage = z.strictObject({ data: z.array(z.strictObject({ id: uuid, grantor: organization })), metadata });
const credlyError = z.strictObject({ data: z.object({ message: z.string().min(1) }) });

function matches<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new Error(
      `response does not match the seed's shape: ${z.prettifyError(r.error)}\n${JSON.stringify(value, null, 2)}`,
    );
  return r.data;
}

describe.each(DB_KINDS)('issuer-authorizations.txt, as written (%s)', (db) => {
  let svc: TestService;
  const t: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const call = (user: string | null, method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    svc.api(method, path, { token: user === null ? null : t[user], body, headers });

  beforeAll(async () => {
    svc = await startTestService({ db, workers: false });
    const orgs = [
      [
        'organization-33',
        'Organization 33',
        { url: 'http://www.example.com/', photo_url: 'https://cdn.example.com/path/to/image.png' },
      ],
      ['organization-34', 'Organization 34', { url: 'http://www.example.com/34' }],
      ['organization-35', 'Organization 35', {}],
    ] as const;
    for (const [org, name, profile] of orgs) {
      const created = await svc.api('POST', '/api/admin/orgs', { body: { org, name, ...profile } });
      expect(created.status).toBe(201);
      ids[org] = created.body.result.id;
      await svc.api('PUT', `/api/admin/orgs/${org}/users/admin-${org.slice(-2)}`, { body: { role: 'platform_admin' } });
      t[org] = (await svc.api('POST', `/api/admin/orgs/${org}/users/admin-${org.slice(-2)}/tokens`)).body.result.token;
    }
    await svc.api('PUT', '/api/admin/orgs/organization-33/users/learner', { body: { role: 'student' } });
    t.learner = (await svc.api('POST', '/api/admin/orgs/organization-33/users/learner/tokens')).body.result.token;
    // The issuer's picture is set afterwards through the profile route.
    const put = await svc.api('PUT', '/api/admin/orgs/organization-34', {
      body: { photo_url: 'https://cdn.example.com/34.png' },
    });
    expect(put.status).toBe(200);
    expect(put.body.result).toEqual({
      org: 'organization-34',
      id: ids['organization-34'],
      name: 'Organization 34',
      timezone: 'UTC',
      url: 'http://www.example.com/34',
      photo_url: 'https://cdn.example.com/34.png',
    });
  });
  afterAll(() => svc?.stop());

  it('organizations have a stable UUID beside the slug; the profile is read and cleared through the admin routes', async () => {
    for (const id of Object.values(ids)) matches(uuid, id);
    expect(new Set(Object.values(ids)).size).toBe(3);
    const got = await svc.api('GET', '/api/admin/orgs/organization-35');
    expect(got.body.result).toMatchObject({ id: ids['organization-35'], url: null, photo_url: null });
    const bad = await svc.api('PUT', '/api/admin/orgs/organization-35', { body: { url: 'javascript:alert(1)' } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fieldErrors)).toEqual(['url']);
    expect(
      (await svc.api('PUT', '/api/admin/orgs/organization-35', { body: { name: 'x' }, token: t['organization-34'] }))
        .status,
    ).toBe(403);
  });

  it('POST /organizations/<organization_id>/issuers authorizes (issuer_id: UUID or slug) → 201 {data: authorization}', async () => {
    const r = await call('organization-33', 'POST', `/organizations/${ids['organization-33']}/issuers`, {
      issuer_id: ids['organization-34'],
    });
    expect(r.status).toBe(201);
    const a = matches(z.strictObject({ data: authorization }), r.body).data;
    expect(a).toMatchObject({
      authorization_type: 'platform',
      display_issuer_as: 'grantor',
      restrict_by_badge_templates: false,
    });
    const bySlug = await call('organization-33', 'POST', '/organizations/organization-33/issuers', {
      issuer_id: 'organization-35',
      display_issuer_as: 'issuer',
    });
    expect(bySlug.status).toBe(201);
  });

  it('GET /organizations/<organization_id>/issuers → 200 {data: [authorization], metadata}', async () => {
    const r = await call('organization-33', 'GET', `/organizations/${ids['organization-33']}/issuers`);
    expect(r.status).toBe(200);
    const page = matches(issuersPage, r.body);
    expect(page.metadata).toEqual({
      count: 2,
      current_page: 1,
      total_count: 2,
      total_pages: 1,
      per: 50,
      previous_page_url: null,
      next_page_url: null,
    });
    const [first] = page.data;
    expect(first.issuer).toEqual({
      type: 'Organization',
      id: ids['organization-34'],
      name: 'Organization 34',
      vanity_slug: 'organization-34',
      url: 'http://www.example.com/34',
      photo: { id: first.issuer.photo!.id, url: 'https://cdn.example.com/34.png' },
      photo_url: 'https://cdn.example.com/34.png',
      badge_template_count: 0,
    });
    expect(first.grantor).toMatchObject({
      id: ids['organization-33'],
      vanity_slug: 'organization-33',
      url: 'http://www.example.com/',
      photo_url: 'https://cdn.example.com/path/to/image.png',
    });
    // No profile and no issuer: nothing to show, and said so with nulls.
    expect(page.data[1].issuer).toMatchObject({
      vanity_slug: 'organization-35',
      url: null,
      photo: null,
      photo_url: null,
    });
    // The photo id is stable across reads.
    const again = matches(
      issuersPage,
      (await call('organization-33', 'GET', '/organizations/organization-33/issuers')).body,
    );
    expect(again.data[0].issuer.photo!.id).toBe(first.issuer.photo!.id);
    // The /api alias answers the same.
    const alias = await call('organization-33', 'GET', `/api/organizations/${ids['organization-33']}/issuers`);
    expect(alias.body).toEqual(r.body);
  });

  it('paginates with page and per (Credly metadata with absolute links)', async () => {
    const r = await call('organization-33', 'GET', '/organizations/organization-33/issuers?per=1');
    const page = matches(issuersPage, r.body);
    expect(page.metadata).toMatchObject({
      count: 1,
      current_page: 1,
      total_count: 2,
      total_pages: 2,
      per: 1,
      previous_page_url: null,
    });
    expect(page.metadata.next_page_url).toBe(`${svc.url}/organizations/organization-33/issuers?per=1&page=2`);
    const second = matches(
      issuersPage,
      (await call('organization-33', 'GET', page.metadata.next_page_url!.slice(svc.url.length))).body,
    );
    expect(second.data[0].issuer.vanity_slug).toBe('organization-35');
    expect(second.metadata.previous_page_url).not.toBeNull();
  });

  it('GET /organizations/<organization_id>/grantors → 200 {data: [{id, grantor}], metadata}', async () => {
    const r = await call('organization-34', 'GET', `/organizations/${ids['organization-34']}/grantors`);
    expect(r.status).toBe(200);
    const page = matches(grantorsPage, r.body);
    expect(page.metadata).toEqual({
      count: 1,
      current_page: 1,
      total_count: 1,
      total_pages: 1,
      per: 50,
      previous_page_url: null,
      next_page_url: null,
    });
    expect(page.data[0].grantor).toMatchObject({
      id: ids['organization-33'],
      name: 'Organization 33',
      vanity_slug: 'organization-33',
    });
    const issuers = matches(
      issuersPage,
      (await call('organization-33', 'GET', '/organizations/organization-33/issuers')).body,
    );
    expect(page.data[0].id).toBe(issuers.data[0].id);
  });

  it('DELETE /organizations/<organization_id>/issuers/<id> → 204 No Content', async () => {
    const list = matches(
      issuersPage,
      (await call('organization-33', 'GET', '/organizations/organization-33/issuers')).body,
    );
    const target = list.data.find((a) => a.issuer.vanity_slug === 'organization-35')!;
    const r = await call('organization-33', 'DELETE', `/organizations/${ids['organization-33']}/issuers/${target.id}`);
    expect(r.status).toBe(204);
    expect(r.body).toBeUndefined();
    const after = matches(
      issuersPage,
      (await call('organization-33', 'GET', '/organizations/organization-33/issuers')).body,
    );
    expect(after.data.map((a) => a.id)).not.toContain(target.id);
    // Gone: a second DELETE is a Credly-shaped 404.
    const again = await call('organization-33', 'DELETE', `/organizations/organization-33/issuers/${target.id}`);
    expect(again.status).toBe(404);
    matches(credlyError, again.body);
  });

  it('unknown organization → 404 {data: {message}} on every endpoint', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [method, path, body] of [
      ['GET', `/organizations/${unknown}/issuers`],
      ['GET', '/organizations/no-such-org/grantors'],
      ['POST', `/organizations/${unknown}/issuers`, { issuer_id: 'organization-34' }],
      ['DELETE', `/organizations/${unknown}/issuers/${unknown}`],
      ['POST', '/organizations/organization-33/issuers', { issuer_id: 'no-such-org' }],
      ['GET', '/api/organizations/no-such-org/issuers'],
    ] as const) {
      const r = await call('organization-33', method, path, body);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(matches(credlyError, r.body).data.message).toMatch(/does not exist/);
    }
  });

  it("not an admin → 403 {data: {message}}; another organization's admin → 403; no token → 401, all Credly-shaped", async () => {
    const cases = [
      ['learner', 'GET', '/organizations/organization-33/issuers'],
      ['learner', 'POST', '/organizations/organization-33/issuers', { issuer_id: 'organization-35' }],
      ['organization-34', 'POST', `/organizations/${ids['organization-33']}/issuers`, { issuer_id: 'organization-35' }],
      ['organization-35', 'GET', '/organizations/organization-33/issuers'],
      ['organization-34', 'GET', '/api/organizations/organization-33/grantors'],
    ] as const;
    for (const [user, method, path, body] of cases) {
      const r = await call(user, method, path, body);
      expect(r.status, `${user} ${method} ${path}`).toBe(403);
      matches(credlyError, r.body);
    }
    const list = matches(
      issuersPage,
      (await call('organization-33', 'GET', '/organizations/organization-33/issuers')).body,
    );
    const del = await call('organization-34', 'DELETE', `/organizations/organization-33/issuers/${list.data[0].id}`);
    expect(del.status).toBe(403);
    matches(credlyError, del.body);
    const anonymous = await call(null, 'GET', '/organizations/organization-33/issuers');
    expect(anonymous.status).toBe(401);
    matches(credlyError, anonymous.body);
  });

  it('duplicate authorize → 409; invalid bodies → 400, Credly-shaped', async () => {
    const dup = await call('organization-33', 'POST', '/organizations/organization-33/issuers', {
      issuer_id: 'organization-34',
    });
    expect(dup.status).toBe(409);
    expect(matches(credlyError, dup.body).data.message).toMatch(/already authorized/);
    const byUuid = await call('organization-33', 'POST', '/organizations/organization-33/issuers', {
      issuer_id: ids['organization-34'],
    });
    expect(byUuid.status).toBe(409);
    for (const body of [
      {},
      { issuer_id: 'organization-35', display_issuer_as: 'sideways' },
      { issuer_id: 'organization-33' },
    ]) {
      const r = await call('organization-33', 'POST', '/organizations/organization-33/issuers', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      matches(credlyError, r.body);
    }
    const malformed = await call('organization-33', 'POST', '/organizations/organization-33/issuers', '{"issuer_id":', {
      'content-type': 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect(matches(credlyError, malformed.body).data.message).toMatch(/Malformed JSON/);
    expect((await call('organization-33', 'GET', '/organizations/organization-33/issuers?per=0')).status).toBe(400);
  });

  it('authorizes from a form body too, repeated keys making the template list', async () => {
    const [a, b] = await Promise.all(
      ['A', 'B'].map(async (n) => {
        const issuer = await svc.api('POST', '/api/credentials/orgs/organization-35/users/admin-35/issuers/', {
          token: t['organization-35'],
          body: { name: `Issuer ${n}` },
        });
        const cred = await svc.api('POST', '/api/credentials/orgs/organization-35/users/admin-35/', {
          token: t['organization-35'],
          body: { name: `Badge ${n}`, issuer: issuer.body.result.entityId },
        });
        return cred.body.result.entityId as string;
      }),
    );
    const form = new URLSearchParams([
      ['issuer_id', 'organization-34'],
      ['restrict_by_badge_templates', 'true'],
      ['allowed_badge_templates', a],
      ['allowed_badge_templates', b],
    ]);
    const r = await call('organization-35', 'POST', '/organizations/organization-35/issuers', form.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const created = matches(z.strictObject({ data: authorization }), r.body).data;
    expect(created.restrict_by_badge_templates).toBe(true);
    expect([...created.allowed_badge_templates].sort()).toEqual([a, b].sort());
    expect(created.grantor.badge_template_count).toBe(2);
  });

  it('clients authenticate with Token, Api-Token or Bearer, the scheme in any case', async () => {
    for (const scheme of ['Token', 'Api-Token', 'Bearer', 'token', 'API-TOKEN', 'bearer']) {
      const r = await call(null, 'GET', '/organizations/organization-33/issuers', undefined, {
        authorization: `${scheme} ${t['organization-33']}`,
      });
      expect(r.status, scheme).toBe(200);
    }
    for (const header of ['Basic abc', `Tokens ${t['organization-33']}`, `Token`, `Api-Token  `]) {
      const r = await call(null, 'GET', '/organizations/organization-33/issuers', undefined, { authorization: header });
      expect(r.status, header).toBe(401);
    }
  });
});
