import { Queue, Worker } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inject } from 'vitest';
import { startTestService, type TestService } from '../../support/harness.js';

/**
 * bull-board at /admin/queues: every queue of the app, main-org platform admins only (by token or
 * by a short-lived signed cookie), read-only unless QUEUE_DASHBOARD=rw.
 */
async function startDashboard(mode: 'ro' | 'rw') {
  const queuePrefix = `bwtest-${randomBytes(4).toString('hex')}`;
  const svc = await startTestService({ workers: false, queuePrefix, env: { QUEUE_DASHBOARD: mode } });
  return { svc, queuePrefix };
}

/** A job in the mail queue that a worker of this test failed (no worker of the service runs). */
async function failedMailJob(prefix: string): Promise<{ queue: Queue; id: string }> {
  const connection = { url: inject('redisUrl') };
  const queue = new Queue('mail', { connection, prefix });
  const job = await queue.add('dashboard-test', { nothing: true }, { attempts: 1 });
  const worker = new Worker(
    'mail',
    async () => {
      throw new Error('failed on purpose');
    },
    { connection, prefix },
  );
  await vi.waitFor(async () => expect(await queue.getJobState(job.id!)).toBe('failed'), { timeout: 10_000 });
  await worker.close();
  return { queue, id: job.id! };
}

describe('queue dashboard', () => {
  let svc: TestService;
  let prefix: string;
  let otherAdmin: string;
  let mainStudent: string;
  beforeAll(async () => {
    ({ svc, queuePrefix: prefix } = await startDashboard('ro'));
    expect((await svc.api('POST', '/api/admin/orgs', { body: { org: 'acme', name: 'Acme' } })).status).toBe(201);
    expect((await svc.api('PUT', '/api/admin/orgs/acme/users/al', { body: { role: 'platform_admin' } })).status).toBe(
      200,
    );
    otherAdmin = (await svc.api('POST', '/api/admin/orgs/acme/users/al/tokens')).body.result.token;
    expect((await svc.api('PUT', '/api/admin/orgs/main/users/stu', { body: { role: 'student' } })).status).toBe(200);
    mainStudent = (await svc.api('POST', '/api/admin/orgs/main/users/stu/tokens')).body.result.token;
  });
  afterAll(() => svc?.stop());

  const get = (p: string, headers: Record<string, string> = {}) => fetch(svc.url + p, { headers });
  const put = (p: string, headers: Record<string, string>) => fetch(svc.url + p, { method: 'PUT', headers });

  it('lists every queue of the app to the main-org platform admin, read-only', async () => {
    const auth = { authorization: `Bearer ${svc.adminToken}` };
    const page = await get('/admin/queues', auth);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('badgeworks queues');
    const api = await get('/admin/queues/api/queues', auth);
    expect(api.status).toBe(200);
    const { queues } = await api.json();
    expect(queues.map((q: { name: string }) => q.name).sort()).toEqual(['issuance', 'mail', 'render', 'webhooks']);
    expect(queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(true);
  });

  it('refuses a retry while read-only: 405, and the failed job stays failed', async () => {
    const { queue, id } = await failedMailJob(prefix);
    try {
      const auth = { authorization: `Bearer ${svc.adminToken}` };
      const listed = await (await get('/admin/queues/api/queues?activeQueue=mail&status=failed', auth)).json();
      const mail = listed.queues.find((q: { name: string }) => q.name === 'mail');
      expect(mail.counts.failed).toBe(1);
      expect((await put('/admin/queues/api/queues/mail/retry/failed', auth)).status).toBe(405);
      expect((await put(`/admin/queues/api/queues/mail/${id}/retry`, auth)).status).toBe(405);
      expect(await queue.getJobState(id)).toBe('failed');
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('no token 401; a bad token 401; another org admin 403; a main-org non-admin 403', async () => {
    expect((await get('/admin/queues')).status).toBe(401);
    expect((await get('/admin/queues/api/queues')).status).toBe(401);
    expect((await get('/admin/queues', { authorization: 'Bearer bw_nope_nope_nope_nope' })).status).toBe(401);
    for (const token of [otherAdmin, mainStudent]) {
      const auth = { authorization: `Bearer ${token}` };
      expect((await get('/admin/queues', auth)).status).toBe(403);
      expect((await get('/admin/queues/api/queues', auth)).status).toBe(403);
      expect((await fetch(svc.url + '/admin/queues/session', { method: 'POST', headers: auth })).status).toBe(403);
    }
  });

  it('a session cookie from the token opens it in a browser; forged, missing or expired ones do not', async () => {
    const r = await fetch(svc.url + '/admin/queues/session', {
      method: 'POST',
      headers: { authorization: `Bearer ${svc.adminToken}` },
    });
    expect(r.status).toBe(204);
    const setCookie = r.headers.get('set-cookie')!;
    expect(setCookie).toMatch(
      /^bw_queues=admin\.[\w-]+\.\d+\.[\w-]+; Path=\/admin\/queues; Max-Age=900; HttpOnly; SameSite=Strict/,
    );
    const cookie = setCookie.split(';')[0];
    expect((await get('/admin/queues/api/queues', { cookie })).status).toBe(200);
    expect((await get('/admin/queues', { cookie })).status).toBe(200);
    const forged = cookie.replace(/admin\.([\w-]+)\.(\d+)/, (_m, t, exp) => `admin.${t}.${Number(exp) + 1000}`);
    expect((await get('/admin/queues/api/queues', { cookie: forged })).status).toBe(401);
    expect((await get('/admin/queues/api/queues', { cookie: 'bw_queues=' })).status).toBe(401);

    // The service runs in this process: its clock, moved past the cookie's 15 minutes, ends the session.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 14 * 60_000 });
    try {
      expect((await get('/admin/queues/api/queues', { cookie })).status).toBe(200);
      vi.setSystemTime(Date.now() + 2 * 60_000);
      expect((await get('/admin/queues/api/queues', { cookie })).status).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a session ends with its token: revoking the token or demoting the user refuses the cookie at once', async () => {
    const created = await svc.api('POST', '/api/admin/orgs/main/users/admin/tokens');
    const { id, token } = created.body.result;
    const session = async (bearer: string) =>
      (
        await fetch(svc.url + '/admin/queues/session', {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}` },
        })
      ).headers
        .get('set-cookie')!
        .split(';')[0];
    const cookie = await session(token);
    expect((await get('/admin/queues/api/queues', { cookie })).status).toBe(200);
    expect((await svc.api('DELETE', `/api/admin/tokens/${id}`)).status).toBe(200);
    expect((await get('/admin/queues/api/queues', { cookie })).status).toBe(401);

    expect(
      (await svc.api('PUT', '/api/admin/orgs/main/users/ops.lead', { body: { role: 'platform_admin' } })).status,
    ).toBe(200);
    const opsToken = (await svc.api('POST', '/api/admin/orgs/main/users/ops.lead/tokens')).body.result.token;
    const opsCookie = await session(opsToken);
    expect((await get('/admin/queues/api/queues', { cookie: opsCookie })).status).toBe(200);
    expect((await svc.api('PUT', '/api/admin/orgs/main/users/ops.lead', { body: { role: 'student' } })).status).toBe(
      200,
    );
    expect((await get('/admin/queues/api/queues', { cookie: opsCookie })).status).toBe(401);
  });
});

describe('queue dashboard with QUEUE_DASHBOARD=rw', () => {
  let svc: TestService;
  let prefix: string;
  beforeAll(async () => {
    ({ svc, queuePrefix: prefix } = await startDashboard('rw'));
  });
  afterAll(() => svc?.stop());

  it('retries a failed job', async () => {
    const { queue, id } = await failedMailJob(prefix);
    try {
      const auth = { authorization: `Bearer ${svc.adminToken}` };
      const { queues } = await (await fetch(svc.url + '/admin/queues/api/queues', { headers: auth })).json();
      expect(queues).toHaveLength(4);
      expect(queues.every((q: { readOnlyMode: boolean }) => !q.readOnlyMode)).toBe(true);
      const r = await fetch(svc.url + `/admin/queues/api/queues/mail/${id}/retry`, { method: 'PUT', headers: auth });
      expect(r.status).toBe(204);
      expect(['waiting', 'wait']).toContain(await queue.getJobState(id));
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
