import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Queue } from 'bullmq';
import { freePort, startEmbeddedRedis, type EmbeddedRedis } from '../../../src/embedded/redis-server.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../../support/databases.js';
import { runBadgeworks, type Child } from '../../support/child-service.js';
import { pollJob, startIssuanceService, type CallAs, type IssuanceFixture } from './issuance-fixture.js';

const USERS = Array.from({ length: 4000 }, (_, i) => `w${String(i).padStart(4, '0')}`);
const sorted = (xs: string[]) => [...xs].sort();

/** An org with admin alice, an issuer, a credential and USERS in the directory, on any running service. */
async function prepare(
  api: (method: string, p: string, body?: unknown, token?: string) => Promise<{ status: number; body: any }>,
) {
  expect((await api('POST', '/api/admin/orgs', { org: 'wharf', name: 'Wharf' })).status).toBe(201);
  expect((await api('PUT', '/api/admin/orgs/wharf/users/alice', { role: 'platform_admin' })).status).toBe(200);
  const users = USERS.map((user_id) => ({ user_id, role: 'student', email: `${user_id}@example.org` }));
  expect((await api('POST', '/api/admin/orgs/wharf/users', { users })).status).toBe(200);
  const token = (await api('POST', '/api/admin/orgs/wharf/users/alice/tokens')).body.result.token as string;
  const as: CallAs = async (method, rest, opts = {}) => {
    const r = await api(method, `/api/credentials/orgs/wharf/users/alice${rest}`, opts.body, token);
    return { ...r, headers: new Headers() };
  };
  const issuer = (
    await as('POST', '/issuers/', {
      body: { name: 'Acme', url: 'https://acme.example.org', email: 'b@acme.example.org' },
    })
  ).body.result.entityId;
  const credential = (
    await as('POST', '/', { body: { name: 'Resilient', description: 'd', issuer, criteria_text: 'c' } })
  ).body.result.entityId;
  expect(credential).toBeTruthy();
  return { as, credential };
}

async function startBulk(as: CallAs, credential: string): Promise<string> {
  const r = await as('POST', `/${credential}/assertions/bulk/`, { body: { users: USERS } });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  return r.body.job_id;
}

/** Waits until the bulk has issued part of its users, but not all. */
async function waitMidBulk(as: CallAs, jobId: string): Promise<void> {
  const seen = await pollJob(
    as,
    jobId,
    (s) => (typeof s.progress === 'object' && s.progress.done > 0) || s.state === 'completed',
    60_000,
  );
  expect(seen.at(-1).state, 'the fault must hit the bulk while it runs').not.toBe('completed');
}

async function expectEachUserOnce(as: CallAs, credential: string, jobId: string) {
  const seen = await pollJob(as, jobId, (s) => s.state === 'completed' || s.state === 'failed', 90_000);
  const done = seen.at(-1);
  expect(done.state).toBe('completed');
  expect(done.result.failed).toEqual([]);
  // Chunks that ran twice recognise their own rows: they are issued by this bulk, not skipped.
  expect(sorted(done.result.issued)).toEqual(USERS);
  expect(done.result.skipped).toEqual([]);
  const list = await as('GET', `/${credential}/assertions/?page_size=1`);
  expect(list.body.count).toBe(USERS.length);
}

describe.each(DB_KINDS)('issuance faults (%s)', (db) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('a worker process killed mid-bulk: after its restart the bulk completes, every user issued exactly once', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bw-kill-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let database: TestDatabase | undefined;
    if (db === 'postgres') {
      database = await createTestDatabase('postgres');
      cleanups.push(() => database!.drop());
    }
    const prefix = `bwkill-${randomBytes(4).toString('hex')}`;
    const port = await freePort();
    const adminToken = 'bw_test_admin_' + randomBytes(16).toString('hex');
    const env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: prefix,
      JOB_LOCK_MS: '2000',
      ISSUE_WAIT_MS: '0',
      // One chunk at a time, so the kill lands between the first and the last chunk.
      WORKER_CONCURRENCY: '1',
      ADMIN_TOKEN: adminToken,
      ...(database?.options.url && { DATABASE_URL: database.options.url }),
    };
    let child: Child = runBadgeworks(['start'], env);
    cleanups.push(async () => {
      if (child.proc.exitCode === null && child.proc.signalCode === null) {
        child.proc.kill('SIGTERM');
        await child.exited;
      }
    });
    await child.waitFor(/badgeworks ready/, 60_000);
    const api = async (method: string, p: string, body?: unknown, token = adminToken) => {
      const res = await fetch(`http://127.0.0.1:${port}${p}`, {
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
    const { as, credential } = await prepare(api);
    const jobId = await startBulk(as, credential);
    await waitMidBulk(as, jobId);

    child.proc.kill('SIGKILL');
    await child.exited;
    const queue = new Queue('issuance', { connection: { url: inject('redisUrl') }, prefix });
    try {
      expect(await (await queue.getJob(jobId))!.getState()).not.toBe('completed');
    } finally {
      await queue.close();
    }

    child = runBadgeworks(['start'], env);
    await child.waitFor(/badgeworks ready/, 60_000);
    await expectEachUserOnce(as, credential, jobId);
  }, 180_000);

  it('Redis restarted mid-bulk: the bulk completes, every user issued exactly once', async () => {
    const redisDir = mkdtempSync(path.join(os.tmpdir(), 'bw-redis-'));
    cleanups.push(() => rmSync(redisDir, { recursive: true, force: true }));
    const port = await freePort();
    // Append-only on disk, so queued jobs survive the restart, as in the all-in-one start.
    let redis: EmbeddedRedis = await startEmbeddedRedis({ dir: redisDir, port });
    cleanups.push(() => redis.stop());
    const f: IssuanceFixture = await startIssuanceService(db, {
      REDIS_URL: redis.url,
      ISSUE_WAIT_MS: '0',
      WORKER_CONCURRENCY: '1',
      JOB_LOCK_MS: '2000',
    });
    cleanups.push(() => f.svc.stop());
    const api = (method: string, p: string, body?: unknown, token?: string) =>
      f.svc.api(method, p, { body, ...(token && { token }) });
    const { as, credential } = await prepare(api);
    const jobId = await startBulk(as, credential);
    await waitMidBulk(as, jobId);

    await redis.stop();
    await sleep(1000);
    redis = await startEmbeddedRedis({ dir: redisDir, port });
    // Until the service has reconnected (within about a second) its Redis routes answer 503 +
    // Retry-After; a client waits as told. /readyz says when.
    for (let i = 0; i < 50 && (await f.svc.api('GET', '/readyz')).body.checks.redis.ok !== true; i++) await sleep(100);
    await expectEachUserOnce(as, credential, jobId);
  }, 180_000);
});
