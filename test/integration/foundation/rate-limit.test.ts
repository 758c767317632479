import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/harness.js';

/**
 * Rate limits shared through Redis by two API processes on one prefix: `a` trusts the loopback
 * proxy, so each test speaks there as its own client address (X-Forwarded-For) and budgets do not
 * leak between tests; `b` trusts no proxy, so everything it serves comes from 127.0.0.1.
 */
const LIMITS = {
  RATE_LIMIT_PUBLIC: '5/min',
  RATE_LIMIT_VERIFY: '3/min',
  RATE_LIMIT_RENDER: '4/min',
  RATE_LIMIT_API: '8/min',
  RATE_LIMIT_AUTH_FAILURES: '3/min',
};

let nextClient = 1;
const newClient = () => `203.0.113.${nextClient++}`;

type CallOpts = { ip?: string; token?: string | null; body?: unknown };
async function call(svc: TestService, method: string, path: string, opts: CallOpts = {}) {
  const headers: Record<string, string> = opts.ip ? { 'x-forwarded-for': opts.ip } : {};
  return svc.api(method, path, { token: opts.token, body: opts.body, headers });
}
/** An anonymous request from `ip`. */
const anon = (svc: TestService, method: string, path: string, ip: string, body?: unknown) =>
  call(svc, method, path, { ip, token: null, body });
/** Status of an anonymous request from `ip`. */
const anonStatus = async (svc: TestService, method: string, path: string, ip: string, body?: unknown) =>
  (await anon(svc, method, path, ip, body)).status;
const VERIFY = '/api/credentials/public/verify';
const USERS = '/api/admin/orgs/main/users';

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
  /** Tokens of one principal (main/bob) on each replica. */
  const bob = new Map<TestService, string>();

  beforeAll(async () => {
    // Two API processes on one Redis and one prefix, as replicas behind a load balancer.
    [a, b] = await Promise.all([
      startTestService({ workers: false, queuePrefix: prefix, env: { ...LIMITS, TRUST_PROXY: 'loopback' } }),
      startTestService({ workers: false, queuePrefix: prefix, env: LIMITS }),
    ]);
    // Each replica has its own database here: the same principal in both (2 admin calls on each).
    for (const svc of [a, b]) {
      const ip = newClient();
      expect((await call(svc, 'PUT', `${USERS}/bob`, { ip, body: { role: 'student' } })).status).toBe(200);
      bob.set(svc, (await call(svc, 'POST', '/api/admin/orgs/main/users/bob/tokens', { ip })).body.result.token);
    }
  }, 240_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('a burst on the public routes gets 429 with Retry-After; health checks are never limited', async () => {
    const ip = newClient();
    const statuses: number[] = [];
    const json = (i: number) => `/api/credentials/public/assertions/nope-${i}/`;
    for (let i = 0; i < 5; i++) statuses.push(await anonStatus(a, 'GET', json(i), ip));
    expect(statuses).toEqual([404, 404, 404, 404, 404]);
    const over = await anon(a, 'GET', '/v/nope', ip);
    expect429(over, /Too many requests from your address to the public pages \(at most 5 per minute\)/);
    // Browsers on other origins can read why.
    expect(over.headers.get('access-control-allow-origin')).toBe('*');
    expect(over.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i);
    for (let i = 0; i < 10; i++) expect(await anonStatus(a, 'GET', '/healthz', ip)).toBe(200);
    // Another client is not affected.
    expect(await anonStatus(a, 'GET', '/v/nope', newClient())).toBe(404);
  });

  it('verify and rendered files have budgets of their own (lower than the pages)', async () => {
    const ip = newClient();
    for (let i = 0; i < 3; i++) expect(await anonStatus(a, 'POST', VERIFY, ip, {})).toBe(400);
    expect429(await anon(a, 'POST', VERIFY, ip, {}), /verification requests/);
    // Express matches paths case-insensitively: so does the limiter.
    expect429(await anon(a, 'POST', '/API/credentials/PUBLIC/Verify', ip, {}), /verification requests/);

    const files = '/api/credentials/public/assertions/nope';
    for (let i = 0; i < 4; i++) expect(await anonStatus(a, 'GET', `${files}/certificate.pdf`, ip)).toBe(404);
    expect429(await anon(a, 'GET', `${files}/badge.png`, ip), /downloads/);
    // The page budget was untouched by the other two.
    expect(await anonStatus(a, 'GET', '/v/nope', ip)).toBe(404);
  });

  it('the count is shared by two API processes through Redis', async () => {
    // Alternating replicas, one client (127.0.0.1: forwarded to `a`, direct to `b`): an in-process
    // count would allow 5 on each.
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) seen.push(await anonStatus(i % 2 ? b : a, 'GET', '/v/nope', '127.0.0.1'));
    expect(seen).toEqual([404, 404, 404, 404, 404, 429]);
    expect(await anonStatus(a, 'GET', '/v/nope', '127.0.0.1')).toBe(429);

    // The API budget is per principal, whichever replica and address it comes from.
    const own = '/api/credentials/orgs/main/users/bob/assertions/';
    const api: number[] = [];
    for (let i = 0; i < 9; i++) {
      const svc = i % 2 ? b : a;
      api.push((await call(svc, 'GET', own, { ip: newClient(), token: bob.get(svc) })).status);
    }
    expect(api).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    expect429(await call(b, 'GET', own, { ip: newClient(), token: bob.get(b) }), /API requests with these credentials/);
    // Another principal has its own budget.
    expect((await call(a, 'GET', USERS, { ip: newClient() })).status).toBe(200);
  });

  it('refused tokens are throttled per address, before the token is even checked', async () => {
    const ip = newClient();
    for (let i = 0; i < 3; i++) {
      const token = `bw_wrong_${i}_${randomBytes(8).toString('hex')}`;
      expect((await call(a, 'GET', USERS, { ip, token })).status).toBe(401);
    }
    expect429(await call(a, 'GET', USERS, { ip, token: 'bw_wrong_again' }), /refused tokens from your address/);
    // Even the right token waits: the address is not checking tokens for now.
    expect((await call(a, 'GET', USERS, { ip, token: a.adminToken })).status).toBe(429);
    // A request without a token is not a guess: a plain 401.
    expect(await anonStatus(a, 'GET', USERS, ip)).toBe(401);
    // Another address with the right token is served.
    expect((await call(a, 'GET', USERS, { ip: newClient(), token: a.adminToken })).status).toBe(200);
  });

  it('X-Forwarded-For names the client only when TRUST_PROXY is set', async () => {
    // Without TRUST_PROXY every request is from 127.0.0.1 whatever the header says (the render
    // budget: the page budget of 127.0.0.1 went in the test above).
    const file = '/api/credentials/public/assertions/nope/certificate.png';
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push(await anonStatus(b, 'GET', file, newClient()));
    expect(seen).toEqual([404, 404, 404, 404, 429]);
    // With TRUST_PROXY=loopback each forwarded address has its own budget.
    for (let i = 0; i < 5; i++) expect(await anonStatus(a, 'GET', file, newClient())).toBe(404);
  });
});
