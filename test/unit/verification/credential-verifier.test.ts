import { beforeAll, describe, expect, it } from 'vitest';
import { buildOpenBadgeCredential } from '../../../src/openbadges/ob3-credential.js';
import { generateIssuerKeyPair } from '../../../src/signing/issuer-key.js';
import { toPublicJwk } from '../../../src/signing/jwks.js';
import { decodeCredentialJwt, signCredentialJwt } from '../../../src/signing/vc-jwt.js';
import { hashEmail } from '../../../src/openbadges/recipient-hash.js';
import {
  verifyJsonCredential,
  verifyJwtCredential,
  type KnownIssuer,
  type KnownKey,
  type SignedCredential,
  type VerifierDeps,
} from '../../../src/verification/credential-verifier.js';
import { BASE, credentialInput } from '../openbadges/credential-fixture.js';

const ISSUER = `${BASE}/api/issuers/42`;
const OTHER_ISSUER = `${BASE}/api/issuers/43`;
const KID = `${BASE}/keys/k1`;
const OTHER_KID = `${BASE}/keys/k2`;
const LIST = `${BASE}/api/status/1`;

describe('credential verifier', () => {
  const keys = new Map<string, KnownKey>();
  const issuers = new Map<string, KnownIssuer>([
    [ISSUER, { name: 'Example Issuer', retiredAt: null }],
    [OTHER_ISSUER, { name: 'Other', retiredAt: null }],
  ]);
  const revoked = new Set<number>();
  const signedById = new Map<string, string>();
  const now = new Date('2025-01-01T00:00:00Z');
  const deps: VerifierDeps & { findSigned(id: string): Promise<SignedCredential | undefined> } = {
    resolveKey: async (kid) => keys.get(kid),
    resolveIssuer: async (id) => issuers.get(id),
    resolveStatus: async (list, index) => (list === LIST ? revoked.has(index) : undefined),
    findSigned: async (id) => {
      const jwt = signedById.get(id);
      return jwt === undefined ? undefined : { jwt, credential: decodeCredentialJwt(jwt).payload };
    },
    now: () => now,
  };
  let sign: (overrides?: Parameters<typeof credentialInput>[0], kid?: string) => Promise<string>;

  beforeAll(async () => {
    const k1 = await generateIssuerKeyPair('ES256');
    const k2 = await generateIssuerKeyPair('RS256');
    keys.set(KID, { jwk: toPublicJwk(k1.publicJwk, KID, 'ES256'), issuerId: ISSUER, retiredAt: null });
    keys.set(OTHER_KID, {
      jwk: toPublicJwk(k2.publicJwk, OTHER_KID, 'RS256'),
      issuerId: OTHER_ISSUER,
      retiredAt: null,
    });
    sign = async (overrides = {}, kid = KID) => {
      const cred = buildOpenBadgeCredential(credentialInput(overrides));
      const pair = kid === KID ? k1 : k2;
      const jwt = await signCredentialJwt(cred, { privateJwk: pair.privateJwk, alg: pair.alg, kid });
      signedById.set(cred.id, jwt);
      return jwt;
    };
  });

  const failed = (r: { checks: { check: string; ok: boolean }[] }) => r.checks.filter((c) => !c.ok).map((c) => c.check);

  it('verifies a genuine credential with every check passing', async () => {
    const r = await verifyJwtCredential(await sign(), deps);
    expect(failed(r)).toEqual([]);
    expect(r.verified).toBe(true);
    expect(r.checks.map((c) => c.check)).toEqual([
      'format',
      'signature',
      'claims',
      'issuer',
      'schema',
      'validity',
      'revocation',
    ]);
    expect(r.credential?.name).toBe('Teamwork');
  });

  it('a JWT with one changed character, in the payload or the signature, fails the signature', async () => {
    const jwt = await sign();
    for (const part of [1, 2]) {
      const parts = jwt.split('.');
      const i = Math.floor(parts[part].length / 2);
      parts[part] = parts[part].slice(0, i) + (parts[part][i] === 'A' ? 'B' : 'A') + parts[part].slice(i + 1);
      const r = await verifyJwtCredential(parts.join('.'), deps);
      expect(r.verified).toBe(false);
      expect(failed(r)[0]).toBe('signature');
    }
  });

  it('garbage is a format failure, not an exception', async () => {
    const r = await verifyJwtCredential('not a jwt', deps);
    expect(r).toEqual({
      verified: false,
      checks: [expect.objectContaining({ check: 'format', ok: false })],
      credential: null,
    });
  });

  it("another issuer's key cannot sign for this issuer; unknown keys are never fetched", async () => {
    const r = await verifyJwtCredential(await sign({}, OTHER_KID), deps);
    expect(failed(r)).toEqual(['issuer']);
    const foreign = await sign();
    const header = JSON.parse(Buffer.from(foreign.split('.')[0], 'base64url').toString());
    header.kid = 'https://evil.example/keys/1';
    const reheaded = [Buffer.from(JSON.stringify(header)).toString('base64url'), ...foreign.split('.').slice(1)].join(
      '.',
    );
    const r2 = await verifyJwtCredential(reheaded, deps);
    expect(r2.checks.find((c) => c.check === 'signature')?.detail).toMatch(/not published by this service/);
  });

  it('expired, not yet valid, revoked', async () => {
    const expired = await verifyJwtCredential(
      await sign({ issuedAt: new Date('2023-01-01T00:00:00Z'), expiresAt: new Date('2024-01-01T00:00:00Z') }),
      deps,
    );
    expect(failed(expired)).toEqual(['validity']);
    expect(expired.checks.find((c) => c.check === 'validity')?.detail).toMatch(/Expired/);
    const future = await verifyJwtCredential(await sign({ issuedAt: new Date('2026-01-01T00:00:00Z') }), deps);
    expect(failed(future)).toEqual(['validity']);
    const jwt = await sign({ status: { listUrl: LIST, index: 777 } });
    expect((await verifyJwtCredential(jwt, deps)).verified).toBe(true);
    revoked.add(777);
    const r = await verifyJwtCredential(jwt, deps);
    expect(failed(r)).toEqual(['revocation']);
    const elsewhere = await verifyJwtCredential(
      await sign({ status: { listUrl: 'https://x.example/l', index: 1 } }),
      deps,
    );
    expect(failed(elsewhere)).toEqual(['revocation']);
  });

  it('an issuer retired before the issue date fails the issuer check; one retired after does not', async () => {
    issuers.set(ISSUER, { name: 'Example Issuer', retiredAt: new Date('2024-03-01T00:00:00Z') });
    try {
      expect(failed(await verifyJwtCredential(await sign(), deps))).toEqual(['issuer']);
      issuers.set(ISSUER, { name: 'Example Issuer', retiredAt: new Date('2024-09-01T00:00:00Z') });
      expect((await verifyJwtCredential(await sign(), deps)).verified).toBe(true);
    } finally {
      issuers.set(ISSUER, { name: 'Example Issuer', retiredAt: null });
    }
  });

  it('matches the recipient by plain email (any case) or by hash, and refuses another', async () => {
    const jwt = await sign();
    expect((await verifyJwtCredential(jwt, deps, { recipient: 'ALICE@example.com' })).verified).toBe(true);
    expect(
      (await verifyJwtCredential(jwt, deps, { recipient: hashEmail('alice@example.com', 'c0ffee') })).verified,
    ).toBe(true);
    const wrong = await verifyJwtCredential(jwt, deps, { recipient: 'mallory@example.com' });
    expect(failed(wrong)).toEqual(['recipient']);
  });

  it('a JSON credential verifies only as exactly what was signed', async () => {
    const jwt = await sign();
    const json = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
    for (const claim of ['iss', 'jti', 'sub', 'nbf', 'exp']) delete json[claim];
    expect((await verifyJsonCredential(json, deps)).verified).toBe(true);
    const edited = { ...json, name: 'Teamwork (Gold)' };
    const r = await verifyJsonCredential(edited, deps);
    expect(failed(r)).toEqual(['integrity']);
    expect(r.checks[0].detail).toMatch(/name/);
    const unknown = await verifyJsonCredential({ ...json, id: `${BASE}/nope` }, deps);
    expect(unknown.checks).toEqual([expect.objectContaining({ check: 'integrity', ok: false })]);
  });
});
