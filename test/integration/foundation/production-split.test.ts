import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { freePort } from '../../../src/embedded/redis-server.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../../support/databases.js';
import { runBadgeworks, type Child } from '../../support/child-service.js';

// `badgeworks api` and `badgeworks worker` share a PostgreSQL server, so this suite exists where
// one is configured (TEST_DATABASE_URL; CI always sets it).
const kinds = DB_KINDS.filter((k) => k === 'postgres');

describe.each(kinds)('production split: separate api and worker processes (%s)', (kind) => {
  const children: Child[] = [];
  let database: TestDatabase;
  afterAll(async () => {
    for (const c of children) c.proc.kill('SIGKILL');
    await database?.drop();
  });

  it('the api serves and the worker processes jobs, against shared PostgreSQL and Redis', async () => {
    database = await createTestDatabase(kind);
    const prefix = `bwsplit-${randomBytes(4).toString('hex')}`;
    const port = await freePort();
    const env = {
      DATABASE_URL: database.options.url!,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: prefix,
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      ADMIN_TOKEN: 'bw_split_admin_token_0123456789',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: '/tmp/bw-split-unused',
      FILE_STORE: `file:///tmp/bw-split-files-${prefix}`,
    };
    const api = runBadgeworks(['api'], env);
    children.push(api);
    await api.waitFor(/badgeworks ready: api/, 60_000);
    // Issue 17: the worker's own /metrics, behind the same scrape token as the api's.
    const metricsPort = await freePort();
    const metricsToken = 'split-metrics-token-0123456789';
    const worker = runBadgeworks(['worker'], {
      ...env,
      WORKER_METRICS_PORT: String(metricsPort),
      METRICS_TOKEN: metricsToken,
      WORKERS: 'issuance',
    });
    children.push(worker);
    await worker.waitFor(/badgeworks ready: workers/, 60_000);
    expect(worker.output()).toContain(`badgeworks worker metrics on http://127.0.0.1:${metricsPort}/metrics`);

    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    const orgs = await fetch(`http://127.0.0.1:${port}/api/admin/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ org: 'split', name: 'Split' }),
    });
    expect(orgs.status).toBe(201);

    const queue = new Queue('issuance', { connection: { url: env.REDIS_URL }, prefix });
    // From the stream's start: a QueueEvents is "ready" before its first XREAD '$' is issued, so a
    // job finishing in between would go unseen on a loaded machine (seen: a 60 s wait in CI).
    const events = new QueueEvents('issuance', { connection: { url: env.REDIS_URL }, prefix, lastEventId: '0-0' });
    try {
      await events.waitUntilReady();
      const job = await queue.add('ping', { org: 'split', requestedBy: 'admin', message: 'across processes' });
      const result = await job.waitUntilFinished(events, 60_000);
      expect(result.pong).toBe('across processes');
      expect(result.worker).toBe(worker.proc.pid);
    } finally {
      await queue.close();
      await events.close();
    }

    // An assertion issued through the api is signed by the worker: the worker's /metrics counts it.
    const call = async (method: string, path: string, body: unknown) => {
      const r = await fetch(`http://127.0.0.1:${port}/api/credentials/orgs/main/users/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await r.json()) as { result: { entityId: string } };
      expect(r.status, JSON.stringify(json)).toBe(201);
      return json.result.entityId;
    };
    const issuerId = await call('POST', '/issuers/', { name: 'Split Issuer', email: 'split@example.org' });
    const credentialId = await call('POST', '/', { name: 'Split Badge', issuer: issuerId });
    await call('POST', `/${credentialId}/assertions/`, { recipient: { user_id: 'admin' } });
    const workerMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
    expect((await fetch(workerMetrics)).status).toBe(401);
    const scraped = await fetch(workerMetrics, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/^badgeworks_assertions_issued_total\{mode="single"\} 1$/m);
    // …and the api's does not: each process is scraped for what it did (README, Metrics).
    const apiMetrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(apiMetrics).toContain('# TYPE badgeworks_assertions_issued_total counter');
    expect(apiMetrics).not.toMatch(/^badgeworks_assertions_issued_total\{mode="single"\} [1-9]/m);

    worker.proc.kill('SIGTERM');
    api.proc.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await api.exited).toBe(0);
  }, 120_000);
});

describe('production split without shared services', () => {
  it.each([
    [['api'], {}, /needs DATABASE_URL/],
    [['worker'], { DATABASE_URL: 'postgres://x@127.0.0.1:1/x' }, /needs REDIS_URL/],
    [
      ['api'],
      { DATABASE_URL: 'postgres://x@127.0.0.1:1/x', REDIS_URL: 'redis://127.0.0.1:1' },
      /needs KEY_ENCRYPTION_KEY/,
    ],
  ])('badgeworks %s refuses with one line naming what is missing', async (args, env, message) => {
    const child = runBadgeworks(args, { DATA_DIR: '/tmp/bw-split-unused', ...env });
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(message);
  });
});

describe('production split without a shared file store', () => {
  it('badgeworks api and worker refuse an implicit DATA_DIR store in one line naming FILE_STORE', async () => {
    const env = {
      DATA_DIR: '/tmp/bw-split-unused',
      DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
      REDIS_URL: 'redis://127.0.0.1:1',
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    };
    for (const role of ['api', 'worker']) {
      const child = runBadgeworks([role], env);
      expect(await child.exited).toBe(1);
      const lines = child.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`badgeworks ${role} needs FILE_STORE.*s3://bucket/prefix.*file:///path`));
    }
  });
});
