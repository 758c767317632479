import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { startTestService, type TestService } from '../../support/harness.js';
import type { DbKind } from '../../support/databases.js';

/**
 * A service with two orgs: acme (alice: platform admin, dora: department admin of d1, sam and
 * sue: students, sam in d1) and globex (gina: platform admin). `as(user)` calls the tenant routes
 * as that user; `issuer()` / `credential()` create catalog entries through the catalog routes.
 */
export type User = 'alice' | 'dora' | 'sam' | 'sue' | 'gina';

export interface IssuanceFixture {
  svc: TestService;
  tokens: Record<User, string>;
  as(user: User): CallAs;
  issuer(body?: Record<string, unknown>, user?: User): Promise<string>;
  credential(issuerId: string, body?: Record<string, unknown>, user?: User): Promise<string>;
  /** GET of a public URL (absolute, as the service hands them out). */
  get(
    url: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; text: string; json: any; headers: Headers }>;
}

export type CallAs = (
  method: string,
  rest: string,
  opts?: { body?: unknown; headers?: Record<string, string> },
) => ReturnType<TestService['api']>;

const USERS: Record<User, { org: string; role: string; email?: string; name?: string; departments?: string[] }> = {
  alice: { org: 'acme', role: 'platform_admin' },
  dora: { org: 'acme', role: 'department_admin', departments: ['d1'] },
  sam: { org: 'acme', role: 'student', email: 'Sam@Example.com', name: 'Sam Student', departments: ['d1'] },
  sue: { org: 'acme', role: 'student', email: 'sue@example.com', name: 'Sue Student' },
  gina: { org: 'globex', role: 'platform_admin' },
};

export async function startIssuanceService(db: DbKind, env: Record<string, string> = {}): Promise<IssuanceFixture> {
  const svc = await startTestService({ db, env: { ISSUE_WAIT_MS: '10000', ...env } });
  for (const org of ['acme', 'globex']) {
    expect((await svc.api('POST', '/api/admin/orgs', { body: { org, name: org.toUpperCase() } })).status).toBe(201);
  }
  const tokens = {} as IssuanceFixture['tokens'];
  for (const [user, { org, ...rest }] of Object.entries(USERS)) {
    expect(
      (await svc.api('PUT', `/api/admin/orgs/${org}/users/${user}`, { body: { departments: [], ...rest } })).status,
    ).toBe(200);
    tokens[user as User] = (await svc.api('POST', `/api/admin/orgs/${org}/users/${user}/tokens`)).body.result.token;
  }
  const as = (user: User): CallAs => {
    const { org } = USERS[user];
    return (method, rest, opts = {}) =>
      svc.api(method, `/api/credentials/orgs/${org}/users/${user}${rest}`, { token: tokens[user], ...opts });
  };
  return {
    svc,
    tokens,
    as,
    async issuer(body = {}, user = 'alice') {
      const r = await as(user)('POST', '/issuers/', {
        body: {
          name: 'Acme Academy',
          url: 'https://acme.example.org',
          email: 'badges@acme.example.org',
          iconImage: 'https://acme.example.org/logo.png',
          ...body,
        },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.result.entityId as string;
    },
    async credential(issuerId, body = {}, user = 'alice') {
      const r = await as(user)('POST', '/', {
        body: {
          name: 'Teamwork',
          description: 'Works well with others.',
          issuer: issuerId,
          criteria_text: 'Nominated by two peers.',
          icon_image: 'https://acme.example.org/teamwork.png',
          credential_type: 'badge',
          tags: ['collaboration'],
          ...body,
        },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.result.entityId as string;
    },
    async get(url, headers = {}) {
      const res = await fetch(url, { headers });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, text, json, headers: res.headers };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Independent verification, the way the 1EdTech validator does it: no jose, no code of ours.

const b64json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

export interface VerifiedJwt {
  header: Record<string, unknown>;
  payload: Record<string, any>;
  jwk: Record<string, unknown>;
}

/** Fetches the header `kid` over HTTP and verifies the signature with node:crypto. */
export async function verifyJwtIndependently(jwt: string): Promise<VerifiedJwt> {
  const [h, p, s] = jwt.split('.');
  expect(s, 'a compact JWS has three parts').toBeTruthy();
  const header = b64json(h);
  const payload = b64json(p);
  expect(typeof header.kid).toBe('string');
  const res = await fetch(header.kid);
  expect(res.status).toBe(200);
  const jwk = (await res.json()) as Record<string, unknown>;
  expect(jwk.d, 'no private material at the kid URL').toBeUndefined();
  const key = createPublicKey({ key: jwk as any, format: 'jwk' });
  const data = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, 'base64url');
  let ok: boolean;
  if (header.alg === 'ES256') ok = cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  else if (header.alg === 'RS256') ok = cryptoVerify('sha256', data, key, signature);
  else throw new Error(`unexpected alg ${header.alg}`);
  expect(ok, 'signature verifies').toBe(true);
  return { header, payload, jwk };
}

/** The registered claims agree with the credential (OB 3.0 §2.1 verifier checks). */
export function expectClaimsMatch(payload: Record<string, any>, credential: Record<string, any>): void {
  const secs = (s: string) => Math.floor(Date.parse(s) / 1000);
  expect(payload.iss).toBe(credential.issuer.id);
  expect(payload.jti).toBe(credential.id);
  expect(payload.sub).toBe(credential.credentialSubject.id);
  expect(payload.nbf).toBe(secs(credential.validFrom));
  if (credential.validUntil) expect(payload.exp).toBe(secs(credential.validUntil));
  else expect(payload.exp).toBeUndefined();
  const { iss, jti, sub, nbf, exp, ...rest } = payload;
  expect(rest).toEqual(credential);
}

/** Reads bit `index` of a W3C Bitstring Status List `encodedList` (multibase u + base64url GZIP). */
export function statusBit(encodedList: string, index: number): boolean {
  expect(encodedList.startsWith('u')).toBe(true);
  const bytes = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'));
  expect(bytes.length * 8).toBeGreaterThanOrEqual(131_072);
  return ((bytes[Math.floor(index / 8)] >> (7 - (index % 8))) & 1) === 1;
}

export async function pollJob(
  call: CallAs,
  jobId: string,
  until: (status: any) => boolean,
  timeoutMs = 60_000,
): Promise<any[]> {
  const seen: any[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await call('GET', `/jobs/${jobId}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    seen.push(r.body.result);
    if (until(r.body.result)) return seen;
    if (Date.now() > deadline) throw new Error(`job ${jobId} not done in time: ${JSON.stringify(r.body.result)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
