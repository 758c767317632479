import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/harness.js';
import { DB_KINDS } from '../../support/databases.js';

describe.each(DB_KINDS)('HTTP conventions, auth and tenancy (%s)', (db) => {
  let svc: TestService;
  let acmeAdmin: string;
  let acmeStudent: string;

  beforeAll(async () => {
    svc = await startTestService({ db });
    expect((await svc.api('POST', '/api/admin/orgs', { body: { org: 'acme', name: 'Acme' } })).status).toBe(201);
    expect((await svc.api('POST', '/api/admin/orgs', { body: { org: 'globex', name: 'Globex' } })).status).toBe(201);
    await svc.api('PUT', '/api/admin/orgs/acme/users/alice', { body: { role: 'platform_admin', name: 'Alice' } });
    await svc.api('PUT', '/api/admin/orgs/acme/users/sam', { body: { role: 'student', email: 'sam@example.com' } });
    acmeAdmin = (await svc.api('POST', '/api/admin/orgs/acme/users/alice/tokens')).body.result.token;
    acmeStudent = (await svc.api('POST', '/api/admin/orgs/acme/users/sam/tokens')).body.result.token;
  });
  afterAll(() => svc?.stop());

  const jobPath = (org: string, user: string) => `/api/credentials/orgs/${org}/users/${user}/jobs/nope`;

  it('401 without a token, with a malformed header, or with an unknown token', async () => {
    for (const token of [null, 'bw_unknown', 'x'.repeat(600)]) {
      const r = await svc.api('GET', jobPath('acme', 'alice'), { token });
      expect(r.status).toBe(401);
      expect(r.body.status).toEqual({ success: false, description: expect.stringMatching(/credentials/i) });
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
    }
    const r = await svc.api('GET', jobPath('acme', 'alice'), { token: null, headers: { authorization: 'Basic abc' } });
    expect(r.status).toBe(401);
  });

  it('403 when the path user is not the caller, or the org is not theirs; 404 for an unknown org', async () => {
    expect((await svc.api('GET', jobPath('acme', 'sam'), { token: acmeAdmin })).status).toBe(403);
    expect((await svc.api('GET', jobPath('globex', 'alice'), { token: acmeAdmin })).status).toBe(403);
    const unknown = await svc.api('GET', jobPath('nowhere', 'alice'), { token: acmeAdmin });
    expect(unknown.status).toBe(404);
    expect(unknown.body.status.description).toMatch(/nowhere/);
    // Passing the checks reaches the route, whose own 404 is for the job.
    const own = await svc.api('GET', jobPath('acme', 'alice'), { token: acmeAdmin });
    expect(own.status).toBe(404);
    expect(own.body.status.description).toMatch(/Job "nope"/);
  });

  it('admin routes: a student may not administer; another org admin may not touch acme', async () => {
    expect(
      (await svc.api('PUT', '/api/admin/orgs/acme/users/x', { token: acmeStudent, body: { role: 'student' } })).status,
    ).toBe(403);
    await svc.api('PUT', '/api/admin/orgs/globex/users/gadmin', { body: { role: 'platform_admin' } });
    const gtoken = (await svc.api('POST', '/api/admin/orgs/globex/users/gadmin/tokens')).body.result.token;
    expect(
      (await svc.api('PUT', '/api/admin/orgs/acme/users/x', { token: gtoken, body: { role: 'student' } })).status,
    ).toBe(403);
    expect((await svc.api('POST', '/api/admin/orgs', { token: gtoken, body: { org: 'evil', name: 'E' } })).status).toBe(
      403,
    );
    // …but administers its own org.
    expect(
      (await svc.api('PUT', '/api/admin/orgs/globex/users/x', { token: gtoken, body: { role: 'student' } })).status,
    ).toBe(200);
  });

  it('success envelope and validation errors with field messages', async () => {
    const ok = await svc.api('PUT', '/api/admin/orgs/acme/users/bob', {
      body: { role: 'department_admin', departments: ['d1', 'd2'] },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      status: { success: true, description: 'Updated' },
      result: expect.objectContaining({ user_id: 'bob', role: 'department_admin', departments: ['d1', 'd2'] }),
    });
    const bad = await svc.api('PUT', '/api/admin/orgs/acme/users/bob', {
      body: { role: 'king', email: 'not-an-email' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.status.success).toBe(false);
    expect(Object.keys(bad.body.fieldErrors).sort()).toEqual(['email', 'role']);
    expect((await svc.api('POST', '/api/admin/orgs', { body: { org: 'acme', name: 'Again' } })).status).toBe(409);
  });

  it('malformed JSON 400, wrong content type 415, oversized body 413, unknown route 404 — never 500', async () => {
    const malformed = await svc.api('POST', '/api/admin/orgs', { body: '{"org": "x",' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.status.description).toMatch(/Malformed JSON/);
    const wrongType = await svc.api('POST', '/api/admin/orgs', {
      body: 'org=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.status.description).toMatch(/application\/x-www-form-urlencoded or multipart\/form-data/);
    // Form bodies are accepted as a Django REST Framework API accepts them; the same schema checks them.
    const form = await svc.api('POST', '/api/admin/orgs', {
      body: 'org=form-made&name=Form+Made',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(201);
    expect(form.body.result).toMatchObject({ org: 'form-made', name: 'Form Made' });
    const badForm = await svc.api('POST', '/api/admin/orgs', {
      body: 'org=Not+A+Slug&name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(badForm.status).toBe(400);
    expect(Object.keys(badForm.body.fieldErrors)).toEqual(['org']);
    const huge = await svc.api('POST', '/api/admin/orgs', { body: { org: 'big', name: 'x'.repeat(2 * 1024 * 1024) } });
    expect(huge.status).toBe(413);
    expect(huge.body.status.success).toBe(false);
    const unknown = await svc.api('GET', '/api/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.status.description).toMatch(/No route/);
  });

  it('a NUL character in a path, query or body is a 400, before it can reach PostgreSQL', async () => {
    for (const path of [
      '/api/credentials/orgs/ac%00me/users/alice/',
      '/api/admin/orgs/acme/users?q=a%00b',
      '/api/credentials/public/assertions/a%00b/',
      '/v/a%00b',
    ]) {
      const r = await svc.api('GET', path, { token: acmeAdmin });
      expect(r.status, path).toBe(400);
      expect(r.body.status.description).toMatch(/NUL/);
    }
    const body = await svc.api('POST', '/api/admin/orgs', { body: { org: 'nul', name: 'a\u0000b' } });
    expect(body.status).toBe(400);
    expect(body.body.fieldErrors).toEqual({ name: ['must not contain NUL characters'] });
    const nested = await svc.api('POST', '/api/admin/orgs/acme/users', {
      body: { users: [{ user_id: 'x', role: 'student', departments: ['d\u0000'] }] },
    });
    expect(nested.status).toBe(400);
    expect(nested.body.fieldErrors).toHaveProperty(['users.0.departments.0']);
  });

  it('page-number pagination: absolute next/previous, clamping, bad values, past the end', async () => {
    await svc.api('POST', '/api/admin/orgs', { body: { org: 'pages', name: 'Pages' } });
    for (let i = 0; i < 25; i++) {
      await svc.api('PUT', `/api/admin/orgs/pages/users/u${String(i).padStart(2, '0')}`, { body: { role: 'student' } });
    }
    const first = await svc.api('GET', '/api/admin/orgs/pages/users?page_size=10');
    expect(first.status).toBe(200);
    expect(first.body.result).toMatchObject({
      count: 25,
      num_pages: 3,
      page_number: 1,
      max_page_size: 100,
      previous: null,
    });
    expect(first.body.result.data).toHaveLength(10);
    expect(first.body.result.next).toBe(`${svc.url}/api/admin/orgs/pages/users?page_size=10&page=2`);
    const last = await svc.api('GET', '/api/admin/orgs/pages/users?page_size=10&page=3');
    expect(last.body.result.data.map((u: { user_id: string }) => u.user_id)).toEqual([
      'u20',
      'u21',
      'u22',
      'u23',
      'u24',
    ]);
    expect(last.body.result.next).toBeNull();
    expect(last.body.result.previous).toBe(`${svc.url}/api/admin/orgs/pages/users?page_size=10&page=2`);
    const clamped = await svc.api('GET', '/api/admin/orgs/pages/users?page_size=5000');
    expect(clamped.body.result.data).toHaveLength(25);
    expect(clamped.body.result.max_page_size).toBe(100);
    for (const q of ['page=0', 'page=abc', 'page_size=-1', 'page=1.5', 'page=99999999999999999999']) {
      const r = await svc.api('GET', `/api/admin/orgs/pages/users?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.status.description).toMatch(/page/);
    }
    expect((await svc.api('GET', '/api/admin/orgs/pages/users?page=4&page_size=10')).status).toBe(404);
    const search = await svc.api('GET', '/api/admin/orgs/pages/users?q=u1');
    expect(search.body.result.count).toBe(10);
  });

  it('serves an OpenAPI 3.1 document listing the routes, a docs page, health and metrics', async () => {
    const doc = await svc.api('GET', '/api/openapi.json', { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/admin/orgs',
        '/api/admin/orgs/{org}/users/{user_id}',
        '/api/credentials/orgs/{org}/users/{user_id}/jobs/{job_id}',
      ]),
    );
    const put = doc.body.paths['/api/admin/orgs/{org}/users/{user_id}'].put;
    expect(put.requestBody.content['application/json'].schema.properties.role.enum).toEqual([
      'platform_admin',
      'department_admin',
      'student',
    ]);
    // The same fields as a form, as the route accepts them.
    expect(Object.keys(put.requestBody.content)).toEqual([
      'application/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
    ]);
    expect(put.security).toEqual([{ bearer: [] }]);
    const docs = await fetch(`${svc.url}/api/docs/reference`);
    expect(await docs.text()).toContain('/api/admin/orgs/{org}/users/{user_id}');
    expect((await svc.api('GET', '/healthz', { token: null })).body).toEqual({ status: 'ok' });
    const ready = await svc.api('GET', '/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: { ok: true }, redis: { ok: true }, browser: { ok: true } });
    const metrics = await fetch(`${svc.url}/metrics`);
    const text = await metrics.text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/admin\/orgs\/:org\/users",status="200"\}/);
    expect(text).toMatch(/queue_jobs\{queue="issuance",state="waiting"\} 0/);
    expect(text).toMatch(/queue_jobs\{queue="render",state="waiting"\} \d+/);
  });

  it('sets security headers and echoes a request id', async () => {
    const res = await fetch(`${svc.url}/healthz`, { headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});
