import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../../src/embedded/redis-server.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../../support/databases.js';
import { runBadgeworks, type Child } from '../../support/child-service.js';
import { expectOneRowPerUser, openProbe, terminateRepeatedly, type PgProbe } from './pg-faults.js';

/**
 * The split deployment (an api and a worker process on one PostgreSQL) while the server
 * terminates the connections that are running a statement, as a restart or failover does. A
 * query on a lost connection fails (a 5xx, a job retry); the processes live on and recover.
 * PostgreSQL only: PGlite runs in-process and has no backends to terminate.
 */
const USERS = Array.from({ length: 3000 }, (_, i) => `p${String(i).padStart(4, '0')}`);
const ADMIN = 'bw_pgloss_admin_token_0123456789';

describe.runIf(DB_KINDS.includes('postgres'))('PostgreSQL connections terminated under load (postgres)', () => {
  let database: TestDatabase;
  let probe: PgProbe;
  let api: Child;
  let worker: Child;
  let base: string;
  let credential: string;
  let token: string;

  const call = async (method: string, p: string, body?: unknown, bearer = ADMIN) => {
    const res = await fetch(base + p, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  };
  const asAlice = (method: string, rest: string, body?: unknown) =>
    call(method, `/api/credentials/orgs/wharf/users/alice${rest}`, body, token);

  const expectAlive = () => {
    for (const [name, child] of [
      ['api', api],
      ['worker', worker],
    ] as const) {
      expect(child.proc.exitCode, `${name} exited:\n${child.output()}`).toBeNull();
      expect(child.proc.signalCode, `${name} was killed`).toBeNull();
      expect(child.output(), `${name} output`).not.toMatch(/Unhandled 'error' event|terminated unexpectedly\n\s+at/);
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    probe = await openProbe(database.options.url!);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: database.options.url!,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: `bwpgloss-${randomBytes(4).toString('hex')}`,
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      ADMIN_TOKEN: ADMIN,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: '/tmp/bw-pgloss-unused',
      FILE_STORE: `file:///tmp/bw-pgloss-files-${randomBytes(4).toString('hex')}`,
      ISSUE_WAIT_MS: '0',
      WORKERS: 'issuance',
      WORKER_CONCURRENCY: '4',
    };
    api = runBadgeworks(['api'], env);
    await api.waitFor(/badgeworks ready: api/, 60_000);
    worker = runBadgeworks(['worker'], env);
    await worker.waitFor(/badgeworks ready: workers/, 60_000);

    expect((await call('POST', '/api/admin/orgs', { org: 'wharf', name: 'Wharf' })).status).toBe(201);
    expect((await call('PUT', '/api/admin/orgs/wharf/users/alice', { role: 'platform_admin' })).status).toBe(200);
    const users = USERS.map((user_id) => ({ user_id, role: 'student', email: `${user_id}@example.org` }));
    expect((await call('POST', '/api/admin/orgs/wharf/users', { users })).status).toBe(200);
    token = (await call('POST', '/api/admin/orgs/wharf/users/alice/tokens')).body.result.token;
    const issuerBody = { name: 'Acme', url: 'https://acme.example.org', email: 'b@acme.example.org' };
    const issuer = (await asAlice('POST', '/issuers/', issuerBody)).body.result.entityId;
    const credentialBody = { name: 'Steady', description: 'd', issuer, criteria_text: 'c' };
    credential = (await asAlice('POST', '/', credentialBody)).body.result.entityId;
    expect(credential).toBeTruthy();
  }, 180_000);

  afterAll(async () => {
    for (const child of [api, worker]) {
      if (child && child.proc.exitCode === null && child.proc.signalCode === null) {
        child.proc.kill('SIGTERM');
        await child.exited;
      }
    }
    await probe?.close();
    await database?.drop();
  });

  it('busy backends terminated during a bulk: both processes live on, the bulk completes, every user issued once', async () => {
    const r = await asAlice('POST', `/${credential}/assertions/bulk/`, { users: USERS });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const jobId = r.body.job_id as string;
    // The connections are cut while chunks run: wait until the first chunk reported.
    for (let s = await asAlice('GET', `/jobs/${jobId}`); ; s = await asAlice('GET', `/jobs/${jobId}`)) {
      expect(s.status).toBe(200);
      expect(s.body.result.state, 'the faults must hit the bulk while it runs').not.toBe('completed');
      if (typeof s.body.result.progress === 'object' && s.body.result.progress.done > 0) break;
      await sleep(20);
    }
    // Bounded, so a chunk's retries (5 attempts, backoff from 1 s) outlast the outage.
    const terminated = await terminateRepeatedly(probe, { count: 8, everyMs: 10, timeoutMs: 4000 });
    expect(terminated, 'statements were running when their connections were cut').toBeGreaterThan(0);

    let state: any;
    const deadline = Date.now() + 150_000;
    do {
      await sleep(200);
      const s = await asAlice('GET', `/jobs/${jobId}`);
      expect(s.status).toBe(200);
      state = s.body.result;
    } while (state.state !== 'completed' && state.state !== 'failed' && Date.now() < deadline);
    expectAlive();
    // Chunks lost their connection mid-statement and were retried.
    expect(worker.output()).toMatch(
      /"name":"bulk-chunk".*"err":"(terminating connection due to administrator command|Connection terminated unexpectedly|read ECONNRESET)"/,
    );
    expect(state.state).toBe('completed');
    expect(state.result.failed).toEqual([]);
    expect(state.result.skipped).toEqual([]);
    expect([...state.result.issued].sort()).toEqual(USERS);
    await expectOneRowPerUser(probe, credential, USERS);
  }, 240_000);

  it('busy backends terminated during requests: failed queries answer 5xx, both processes live on, later requests succeed', async () => {
    const statuses = new Map<number, number>();
    let stop = false;
    const paths = [`/${credential}/assertions/?page_size=100`, `/${credential}/assertions/?page_size=5&page=3`];
    const load = Array.from({ length: 24 }, async (_, n) => {
      while (!stop) {
        const request = n % 3 ? asAlice('GET', paths[n % 2]) : call('GET', '/api/admin/orgs/wharf/users?q=example');
        // 0: no answer at all (the api process is gone).
        const status = await request.then(
          (res) => res.status,
          () => 0,
        );
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 0) await sleep(100);
      }
    });
    await sleep(300);
    const terminated = await terminateRepeatedly(probe, { count: 20, everyMs: 40, timeoutMs: 20_000 });
    stop = true;
    await Promise.all(load);
    expect(terminated, 'statements were running when their connections were cut').toBeGreaterThanOrEqual(20);
    expectAlive();
    // A request whose statement was cut fails as a server fault; nothing else goes wrong.
    const codes = [...statuses.keys()].sort();
    expect(
      codes.every((c) => c === 200 || c >= 500),
      JSON.stringify([...statuses]),
    ).toBe(true);
    expect(statuses.get(200)).toBeGreaterThan(0);
    const failed = [...statuses].filter(([c]) => c >= 500).reduce((n, [, k]) => n + k, 0);
    expect(failed, 'some requests hit a cut connection').toBeGreaterThan(0);

    // The pool replaced its lost connections: every later request succeeds, the worker issues.
    for (let i = 0; i < 20; i++) expect((await asAlice('GET', paths[i % 2])).status).toBe(200);
    const one = await asAlice('POST', `/${credential}/assertions/bulk/`, { users: ['alice'] });
    expect(one.status).toBe(202);
    let done: any;
    for (let i = 0; i < 300; i++) {
      done = (await asAlice('GET', `/jobs/${one.body.job_id}`)).body.result;
      if (done.state === 'completed') break;
      await sleep(100);
    }
    expect(done.result).toEqual({ issued: ['alice'], skipped: [], failed: [] });
    expectAlive();
  }, 120_000);
});
