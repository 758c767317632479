import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/harness.js';

/** bull-board at /admin/queues: main-org platform admins only, by token or by a short-lived signed cookie. */
describe('queue dashboard', () => {
  let svc: TestService;
  let otherAdmin: string;
  beforeAll(async () => {
    svc = await startTestService({ workers: false });
    expect((await svc.api('POST', '/api/admin/orgs', { body: { org: 'acme', name: 'Acme' } })).status).toBe(201);
    expect((await svc.api('PUT', '/api/admin/orgs/acme/users/al', { body: { role: 'platform_admin' } })).status).toBe(
      200,
    );
    otherAdmin = (await svc.api('POST', '/api/admin/orgs/acme/users/al/tokens')).body.result.token;
  });
  afterAll(() => svc?.stop());

  const get = (p: string, headers: Record<string, string> = {}) => fetch(svc.url + p, { headers });

  it('answers the main org platform admin (page and API, read-only), nobody else', async () => {
    const auth = { authorization: `Bearer ${svc.adminToken}` };
    const page = await get('/admin/queues', auth);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('badgeworks queues');
    const api = await get('/admin/queues/api/queues', auth);
    expect(api.status).toBe(200);
    const { queues } = await api.json();
    expect(queues.map((q: { name: string }) => q.name).sort()).toEqual(['issuance', 'render']);
    expect(queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(true);
    const retry = await fetch(svc.url + '/admin/queues/api/queues/issuance/retry/failed', {
      method: 'PUT',
      headers: auth,
    });
    expect(retry.status).toBeGreaterThanOrEqual(400);

    expect((await get('/admin/queues')).status).toBe(401);
    expect((await get('/admin/queues/api/queues', { authorization: `Bearer ${otherAdmin}` })).status).toBe(403);
    expect((await get('/admin/queues', { authorization: 'Bearer bw_nope_nope_nope_nope' })).status).toBe(401);
  });

  it('a session cookie from the token opens it in a browser; a forged or missing one does not', async () => {
    const denied = await fetch(svc.url + '/admin/queues/session', {
      method: 'POST',
      headers: { authorization: `Bearer ${otherAdmin}` },
    });
    expect(denied.status).toBe(403);
    const r = await fetch(svc.url + '/admin/queues/session', {
      method: 'POST',
      headers: { authorization: `Bearer ${svc.adminToken}` },
    });
    expect(r.status).toBe(204);
    const setCookie = r.headers.get('set-cookie')!;
    expect(setCookie).toMatch(
      /^bw_queues=admin\.\d+\.[\w-]+; Path=\/admin\/queues; Max-Age=900; HttpOnly; SameSite=Strict/,
    );
    const cookie = setCookie.split(';')[0];
    expect((await get('/admin/queues/api/queues', { cookie })).status).toBe(200);
    const forged = cookie.replace(/admin\.(\d+)/, (_m, exp) => `admin.${Number(exp) + 1000}`);
    expect((await get('/admin/queues/api/queues', { cookie: forged })).status).toBe(401);
  });
});
