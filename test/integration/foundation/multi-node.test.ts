import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Queue } from 'bullmq';
import { freePort } from '../../../src/embedded/redis-server.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../../support/databases.js';
import { runBadgeworks, type Child } from '../../support/child-service.js';
import { startTestS3, type TestS3 } from '../../support/s3-server.js';

/**
 * Two API processes and two worker processes, each with its own empty DATA_DIR, sharing only
 * PostgreSQL, Redis and an S3 store: what one node writes every other node serves.
 */
const kinds = DB_KINDS.filter((k) => k === 'postgres');
const USERS = Array.from({ length: 500 }, (_, i) => `n${String(i).padStart(3, '0')}`);
const ADMIN = 'bw_multi_admin_token_0123456789';

describe.each(kinds)('several nodes on one PostgreSQL, Redis and S3 store (%s)', (kind) => {
  const children: Child[] = [];
  const dirs: string[] = [];
  let database: TestDatabase | undefined;
  let s3: TestS3 | undefined;
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await s3?.close();
    await database?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('issues on api 1, serves files on api 2, revokes across replicas, survives a worker killed mid-bulk', async () => {
    database = await createTestDatabase(kind);
    s3 = await startTestS3();
    const prefix = `bwmulti-${randomBytes(4).toString('hex')}`;
    const shared = {
      DATABASE_URL: database.options.url!,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: prefix,
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      ADMIN_TOKEN: ADMIN,
      HOST: '127.0.0.1',
      JOB_LOCK_MS: '2000',
      RENDER_PAGES: '1',
      WORKER_CONCURRENCY: '2',
      ISSUE_WAIT_MS: '10000',
      ...s3.env(prefix),
    };
    const node = (role: 'api' | 'worker', extra: Record<string, string> = {}) => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), `bw-node-${role}-`));
      dirs.push(dataDir);
      const child = runBadgeworks([role], { ...shared, DATA_DIR: dataDir, ...extra });
      children.push(child);
      return child;
    };
    const ports = [await freePort(), await freePort()];
    const apis = ports.map((port) => node('api', { PORT: String(port) }));
    const workers = [node('worker'), node('worker')];
    await Promise.all([
      ...apis.map((a) => a.waitFor(/badgeworks ready: api/, 90_000)),
      ...workers.map((w) => w.waitFor(/badgeworks ready: workers/, 90_000)),
    ]);

    const call = async (api: 0 | 1, method: string, p: string, body?: unknown, token = ADMIN) => {
      const res = await fetch(`http://127.0.0.1:${ports[api]}${p}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    for (const api of [0, 1] as const) {
      const ready = await call(api, 'GET', '/readyz');
      expect(ready.body.checks.files, JSON.stringify(ready.body)).toEqual({ ok: true });
    }

    // Directory and catalog through api 1.
    expect((await call(0, 'POST', '/api/admin/orgs', { org: 'multi', name: 'Multi' })).status).toBe(201);
    expect((await call(0, 'PUT', '/api/admin/orgs/multi/users/alice', { role: 'platform_admin' })).status).toBe(200);
    const users = USERS.map((user_id) => ({ user_id, role: 'student', email: `${user_id}@example.org` }));
    expect((await call(0, 'POST', '/api/admin/orgs/multi/users', { users })).status).toBe(200);
    const token = (await call(0, 'POST', '/api/admin/orgs/multi/users/alice/tokens')).body.result.token as string;
    const as = (api: 0 | 1, method: string, rest: string, body?: unknown) =>
      call(api, method, `/api/credentials/orgs/multi/users/alice${rest}`, body, token);
    const issuer = (
      await as(0, 'POST', '/issuers/', { name: 'Acme', url: 'https://acme.example.org', email: 'b@acme.example.org' })
    ).body.result.entityId;
    const credential = (await as(0, 'POST', '/', { name: 'Distributed', description: 'd', issuer, criteria_text: 'c' }))
      .body.result.entityId as string;
    expect(credential).toBeTruthy();

    // A single assertion through api 1.
    const single = await as(0, 'POST', `/${credential}/assertions/`, { recipient: { user_id: USERS[0] } });
    expect(single.status, JSON.stringify(single.body)).toBe(201);
    const singleId = single.body.result.entityId as string;

    // The 500-user bulk through api 1; the worker running its chunk is killed while it runs.
    const queue = new Queue('issuance', { connection: { url: shared.REDIS_URL }, prefix });
    let bulkAnswer;
    try {
      const posted = as(0, 'POST', `/${credential}/assertions/bulk/`, { users: USERS });
      let victim: Child | undefined;
      for (let i = 0; i < 2000 && !victim; i++) {
        const active = (await queue.getActive()).filter((j) => j.name === 'bulk-chunk' && j.processedBy);
        const pid = Number(active[0]?.processedBy?.split(':').at(-1));
        victim = workers.find((w) => w.proc.pid === pid);
        if (!victim) await sleep(10);
      }
      expect(victim, 'a worker was seen running the bulk chunk').toBeTruthy();
      victim!.proc.kill('SIGKILL');
      await victim!.exited;
      bulkAnswer = await posted;
    } finally {
      await queue.close();
    }
    expect(bulkAnswer.status, JSON.stringify(bulkAnswer.body)).toBeLessThan(300);
    let result = bulkAnswer.body;
    if (bulkAnswer.status === 202) {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const s = (await as(1, 'GET', `/jobs/${bulkAnswer.body.job_id}`)).body.result;
        if (s.state === 'completed' || s.state === 'failed') {
          expect(s.state, JSON.stringify(s)).toBe('completed');
          result = s.result;
          break;
        }
        if (Date.now() > deadline) throw new Error(`bulk not done: ${JSON.stringify(s)}`);
        await sleep(200);
      }
    }
    // No lost user and no duplicate: USERS[0] already held the single assertion.
    expect(result.failed).toEqual([]);
    expect([...result.issued, ...result.skipped].sort()).toEqual(USERS);
    expect(result.skipped).toEqual([USERS[0]]);
    const list = (await as(1, 'GET', `/${credential}/assertions/?page_size=100`)).body;
    expect(list.count).toBe(USERS.length);
    const ids = new Map<string, string>(
      (list.data as { entityId: string; user_id: string }[]).map((a) => [a.user_id, a.entityId]),
    );

    // Files of several assertions, written by whichever worker rendered them, served by api 2.
    const download = async (api: 0 | 1, id: string, file: string, headers: Record<string, string> = {}) => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${ports[api]}/api/credentials/public/assertions/${id}/${file}`, {
          headers,
        });
        if (res.status !== 503 || Date.now() > deadline) return { res, body: Buffer.from(await res.arrayBuffer()) };
        await res.arrayBuffer();
        await sleep(500);
      }
    };
    const sample = [singleId, ...[...ids.values()].filter((id) => id !== singleId).slice(0, 2)];
    const magic: Record<string, string> = {
      'certificate.pdf': '%PDF',
      'certificate.png': '\x89PNG',
      'badge.png': '\x89PNG',
    };
    // In parallel: each file may be rendered on demand first.
    const checks = sample.flatMap((id) => Object.entries(magic).map(([file, head]) => ({ id, file, head })));
    await Promise.all(
      checks.map(async ({ id, file, head }) => {
        const { res, body } = await download(1, id, file);
        expect(res.status, `${file} of ${id}: ${body.toString().slice(0, 200)}`).toBe(200);
        expect(body.subarray(0, 4).toString('latin1')).toBe(head);
        expect(Number(res.headers.get('content-length'))).toBe(body.length);
        expect(res.headers.get('cache-control')).toMatch(/max-age/);
        const etag = res.headers.get('etag')!;
        expect(etag).toBeTruthy();
        // The same file on the other replica: same ETag, so a revalidation there is a 304.
        const again = await download(0, id, file, { 'if-none-match': etag });
        expect(again.res.status).toBe(304);
      }),
    );

    // Revoked on api 2; api 1 (which has the assertion in its micro-cache) says so within the bound.
    const target = sample[1];
    expect((await call(0, 'GET', `/api/credentials/public/assertions/${target}/`)).status).toBe(200);
    const revoked = await as(1, 'PUT', `/assertions/${target}`, { revoked: true, revocationReason: 'Replicas' });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    const t0 = Date.now();
    let seen = 200;
    while (seen === 200 && Date.now() - t0 < 15_000) {
      seen = (await call(0, 'GET', `/api/credentials/public/assertions/${target}/`)).status;
      if (seen === 200) await sleep(50);
    }
    expect(seen).toBe(404);
    // The documented bound is the 1 s micro-cache; the margin is for a loaded machine.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await download(0, target, 'certificate.pdf')).res.status).toBe(404);
  }, 240_000);
});
