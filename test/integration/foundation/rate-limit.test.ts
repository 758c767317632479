import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/harness.js';

/**
 * Rate limits shared through Redis. Each test speaks as its own client address through
 * X-Forwarded-For (the services trust the loopback proxy), so budgets do not leak between tests.
 */
const LIMITS = {
  RATE_LIMIT_PUBLIC: '5/min',
  RATE_LIMIT_VERIFY: '3/min',
  RATE_LIMIT_RENDER: '4/min',
  RATE_LIMIT_API: '6/min',
  RATE_LIMIT_AUTH_FAILURES: '3/min',
};

let nextClient = 1;
const newClient = () => `203.0.113.${nextClient++}`;

async function call(svc: TestService, method: string, path: string, opts: { ip?: string; token?: string | null; body?: unknown } = {}) {
  return svc.api(method, path, { token: opts.token, body: opts.body, headers: opts.ip ? { 'x-forwarded-for': opts.ip } : {} });
}

function expect429(r: { status: number; body: any; headers: Headers }, what: RegExp) {
  expect(r.status).toBe(429);
  const retryAfter = Number(r.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(r.body.status.success).toBe(false);
  expect(r.body.status.description).toMatch(what);
  expect(r.body.status.description).toMatch(/retry in \d+ s/);
}

describe('rate limits', () => {
  const prefix = `bwrl-${randomBytes(4).toString('hex')}`;
  let a: TestService;
  let b: TestService;
  let direct: TestService;
  /** Tokens of one principal (main/bob) on each replica. */
  const bob = new Map<TestService, string>();

  beforeAll(async () => {
    // Two API processes on one Redis and one prefix (as replicas behind a load balancer), and one
    // without TRUST_PROXY.
    const proxied = { ...LIMITS, TRUST_PROXY: 'loopback' };
    [a, b, direct] = await Promise.all([
      startTestService({ workers: false, queuePrefix: prefix, env: proxied }),
      startTestService({ workers: false, queuePrefix: prefix, env: proxied }),
      startTestService({ workers: false, env: LIMITS }),
    ]);
    // Each replica has its own database here: the same principal in both (2 admin calls on each).
    for (const svc of [a, b]) {
      const ip = newClient();
      expect((await call(svc, 'PUT', '/api/admin/orgs/main/users/bob', { ip, body: { role: 'student' } })).status).toBe(200);
      bob.set(svc, (await call(svc, 'POST', '/api/admin/orgs/main/users/bob/tokens', { ip })).body.result.token);
    }
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), direct?.stop()]);
  });

  it('a burst on the public routes gets 429 with Retry-After; health checks are never limited', async () => {
    const ip = newClient();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(a, 'GET', `/api/credentials/public/assertions/nope-${i}/`, { ip, token: null })).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404]);
    const over = await call(a, 'GET', '/v/nope', { ip, token: null });
    expect429(over, /Too many requests from your address to the public pages \(at most 5 per minute\)/);
    // Browsers on other origins can read why.
    expect(over.headers.get('access-control-allow-origin')).toBe('*');
    expect(over.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i);
    for (let i = 0; i < 10; i++) expect((await call(a, 'GET', '/healthz', { ip, token: null })).status).toBe(200);
    // Another client is not affected.
    expect((await call(a, 'GET', '/v/nope', { ip: newClient(), token: null })).status).toBe(404);
  });

  it('verify and rendered files have budgets of their own (lower than the pages)', async () => {
    const ip = newClient();
    for (let i = 0; i < 3; i++) expect((await call(a, 'POST', '/api/credentials/public/verify', { ip, token: null, body: {} })).status).toBe(400);
    expect429(await call(a, 'POST', '/api/credentials/public/verify', { ip, token: null, body: {} }), /verification requests/);
    // Express matches paths case-insensitively: so does the limiter.
    expect429(await call(a, 'POST', '/API/credentials/PUBLIC/Verify', { ip, token: null, body: {} }), /verification requests/);

    for (let i = 0; i < 4; i++) {
      expect((await call(a, 'GET', `/api/credentials/public/assertions/nope/certificate.pdf`, { ip, token: null })).status).toBe(404);
    }
    expect429(await call(a, 'GET', '/api/credentials/public/assertions/nope/badge.png', { ip, token: null }), /downloads/);
    // The page budget was untouched by the other two.
    expect((await call(a, 'GET', '/v/nope', { ip, token: null })).status).toBe(404);
  });

  it('the count is shared by two API processes through Redis', async () => {
    const ip = newClient();
    const seen: number[] = [];
    // Alternating replicas: an in-process count would allow 5 on each.
    for (let i = 0; i < 6; i++) seen.push((await call(i % 2 ? b : a, 'GET', '/v/nope', { ip, token: null })).status);
    expect(seen).toEqual([404, 404, 404, 404, 404, 429]);
    expect((await call(a, 'GET', '/v/nope', { ip, token: null })).status).toBe(429);

    // The API budget is per principal, whichever replica and address it comes from.
    const own = '/api/credentials/orgs/main/users/bob/assertions/';
    const api: number[] = [];
    for (let i = 0; i < 7; i++) {
      const svc = i % 2 ? b : a;
      api.push((await call(svc, 'GET', own, { ip: newClient(), token: bob.get(svc) })).status);
    }
    expect(api).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect429(await call(b, 'GET', own, { ip: newClient(), token: bob.get(b) }), /API requests with these credentials/);
    // Another principal has its own budget.
    expect((await call(a, 'GET', '/api/admin/orgs/main/users', { ip: newClient() })).status).toBe(200);
  });

  it('refused tokens are throttled per address, before the token is even checked', async () => {
    const ip = newClient();
    for (let i = 0; i < 3; i++) {
      expect((await call(a, 'GET', '/api/admin/orgs/main/users', { ip, token: `bw_wrong_${i}_${randomBytes(8).toString('hex')}` })).status).toBe(401);
    }
    expect429(await call(b, 'GET', '/api/admin/orgs/main/users', { ip, token: 'bw_wrong_again' }), /refused tokens from your address/);
    // Even the right token waits: the address is not checking tokens for now.
    expect((await call(a, 'GET', '/api/admin/orgs/main/users', { ip, token: c(a) })).status).toBe(429);
    // A request without a token is not a guess: a plain 401.
    expect((await call(a, 'GET', '/api/admin/orgs/main/users', { ip, token: null })).status).toBe(401);
    // Another address with the right token is served.
    expect((await call(a, 'GET', '/api/admin/orgs/main/users', { ip: newClient(), token: c(a) })).status).toBe(200);
  });

  it('X-Forwarded-For names the client only when TRUST_PROXY is set', async () => {
    // Without TRUST_PROXY every request is from 127.0.0.1 whatever the header says.
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) seen.push((await call(direct, 'GET', '/v/nope', { ip: newClient(), token: null })).status);
    expect(seen).toEqual([404, 404, 404, 404, 404, 429]);
    // With TRUST_PROXY=loopback each forwarded address has its own budget.
    for (let i = 0; i < 6; i++) expect((await call(a, 'GET', '/v/nope', { ip: newClient(), token: null })).status).toBe(404);
  });
});

/** The bootstrap admin token of a service (the harness default when `token` is undefined). */
function c(svc: TestService): string {
  return svc.adminToken;
}
