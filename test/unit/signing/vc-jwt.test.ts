import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOpenBadgeCredential } from '../../../src/openbadges/ob3-credential.js';
import { buildStatusListCredential, createBitstring, encodeBitstring } from '../../../src/openbadges/status-list.js';
import { validateAchievementCredential } from '../../../src/openbadges/schema-validation.js';
import { generateIssuerKeyPair, type IssuerKeyPair, type SigningAlg } from '../../../src/signing/issuer-key.js';
import { buildJwks, toPublicJwk } from '../../../src/signing/jwks.js';
import {
  claimsMatchCredential,
  CredentialJwtError,
  decodeCredentialJwt,
  signCredentialJwt,
  verifyCredentialJwt,
} from '../../../src/signing/vc-jwt.js';
import { BASE, credentialInput } from '../openbadges/credential-fixture.js';

const KID = `${BASE}/api/issuers/42/keys/k1`;
const credential = buildOpenBadgeCredential(credentialInput());

/** Verification the way the 1EdTech validator does it: plain JCA/Node crypto over the JWK. */
function independentlyVerify(jwt: string, publicJwk: object, alg: SigningAlg): boolean {
  const [h, p, s] = jwt.split('.');
  const key = createPublicKey({ key: publicJwk as never, format: 'jwk' });
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  return alg === 'ES256'
    ? nodeVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig)
    : nodeVerify('sha256', data, key, sig);
}

function tamper(jwt: string, part: 0 | 1 | 2): string {
  const parts = jwt.split('.');
  const s = parts[part];
  const i = Math.floor(s.length / 2);
  parts[part] = s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  return parts.join('.');
}

describe.each(['ES256', 'RS256'] as const)('VC-JWT %s', (alg) => {
  let keys: IssuerKeyPair;
  let jwt: string;

  beforeAll(async () => {
    keys = await generateIssuerKeyPair(alg);
    jwt = await signCredentialJwt(credential, { privateJwk: keys.privateJwk, alg, kid: KID });
  });

  it('has exactly the {alg, kid, typ} header and the credential plus claims as payload', () => {
    const header = JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg, kid: KID, typ: 'JWT' });
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
    expect(payload).toEqual({
      ...credential,
      iss: `${BASE}/api/issuers/42`,
      jti: credential.id,
      sub: 'urn:uuid:5f0c2b1e-8d3a-4c2e-9b7a-1d2e3f4a5b6c',
      nbf: Date.parse('2024-06-01T12:00:00Z') / 1000,
      exp: Date.parse('2030-06-01T12:00:00Z') / 1000,
    });
    expect(payload.vc).toBeUndefined();
    expect(claimsMatchCredential(payload)).toEqual({ ok: true, mismatches: [] });
    // The payload with claims is still a schema-valid credential (extra members are allowed).
    expect(validateAchievementCredential(payload).valid).toBe(true);
  });

  it('signs the bytes jose would: the same header and payload segments, a 64-byte r||s for ES256', async () => {
    const { CompactSign, importJWK, decodeJwt } = await import('jose');
    const payload = JSON.stringify(decodeJwt(jwt));
    const priv = await importJWK(keys.privateJwk, alg);
    const byJose = await new CompactSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ alg, kid: KID, typ: 'JWT' })
      .sign(priv);
    expect(jwt.split('.').slice(0, 2)).toEqual(byJose.split('.').slice(0, 2));
    expect(Buffer.from(jwt.split('.')[2], 'base64url').length).toBe(alg === 'ES256' ? 64 : 256);
  });

  it('verifies with jose and with node:crypto from the published JWK', async () => {
    const published = toPublicJwk(keys.publicJwk, KID, alg, { issuer: `${BASE}/api/issuers/42` });
    expect(published).not.toHaveProperty('d');
    expect(published).toMatchObject({ kid: KID, alg, use: 'sig', iss: `${BASE}/api/issuers/42` });
    expect(buildJwks([published]).keys).toHaveLength(1);
    expect(() => buildJwks([keys.privateJwk])).toThrow(/private/);

    const { payload, header } = await verifyCredentialJwt(jwt, (h) => {
      expect(h.kid).toBe(KID);
      return published;
    });
    expect(header.kid).toBe(KID);
    expect(payload.jti).toBe(credential.id);
    expect(independentlyVerify(jwt, published, alg)).toBe(true);
  });

  it('rejects a JWT with one character changed', async () => {
    for (const part of [0, 1, 2] as const) {
      const bad = tamper(jwt, part);
      await expect(verifyCredentialJwt(bad, keys.publicJwk)).rejects.toBeInstanceOf(CredentialJwtError);
      let independent: boolean;
      try {
        independent = independentlyVerify(bad, keys.publicJwk, alg);
      } catch {
        independent = false;
      }
      expect(independent).toBe(false);
    }
  });

  it('rejects a valid signature from a different key', async () => {
    const other = await generateIssuerKeyPair(alg);
    await expect(verifyCredentialJwt(jwt, other.publicJwk)).rejects.toMatchObject({ code: 'signature' });
  });
});

describe('VC-JWT rules', () => {
  it('refuses to sign credentials whose claims cannot round-trip', async () => {
    const { privateJwk } = await generateIssuerKeyPair('ES256');
    const key = { privateJwk, alg: 'ES256' as const, kid: KID };
    await expect(signCredentialJwt({ ...credential, validFrom: '2024-06-01T12:00:00.5Z' }, key)).rejects.toThrow(
      /whole seconds/,
    );
    const noSubjectId = { ...credential, credentialSubject: { ...credential.credentialSubject, id: undefined } };
    await expect(signCredentialJwt(noSubjectId, key)).rejects.toThrow(/sub/);
  });

  it('rejects headers with extra members or a wrong typ', async () => {
    const { CompactSign, importJWK } = await import('jose');
    const keys = await generateIssuerKeyPair('ES256');
    const priv = await importJWK(keys.privateJwk, 'ES256');
    const body = new TextEncoder().encode(JSON.stringify({ iss: 'x' }));
    const extra = await new CompactSign(body)
      .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'JWT', cty: 'vc' })
      .sign(priv);
    await expect(verifyCredentialJwt(extra, keys.publicJwk)).rejects.toMatchObject({ code: 'header' });
    const typ = await new CompactSign(body).setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'vc+jwt' }).sign(priv);
    await expect(verifyCredentialJwt(typ, keys.publicJwk)).rejects.toMatchObject({ code: 'header' });
    expect(() => decodeCredentialJwt('not-a-jwt')).toThrow(CredentialJwtError);
  });

  it('signs a status list credential (string issuer, no validUntil)', async () => {
    const keys = await generateIssuerKeyPair('ES256');
    const list = buildStatusListCredential({
      id: `${BASE}/api/status/1`,
      issuer: `${BASE}/api/issuers/42`,
      validFrom: new Date('2024-06-01T00:00:00Z'),
      encodedList: encodeBitstring(createBitstring()),
    });
    const jwt = await signCredentialJwt(list, { privateJwk: keys.privateJwk, alg: 'ES256', kid: KID });
    const { payload } = await verifyCredentialJwt(jwt, keys.publicJwk);
    expect(payload).toMatchObject({ iss: `${BASE}/api/issuers/42`, sub: `${BASE}/api/status/1#list`, nbf: 1717200000 });
    expect(payload.exp).toBeUndefined();
    expect(claimsMatchCredential(payload).ok).toBe(true);
  });

  it('reports claims that disagree with the credential', () => {
    const payload = {
      ...credential,
      iss: 'https://evil.example',
      jti: credential.id,
      sub: 'urn:x',
      nbf: 1,
      exp: undefined,
    };
    const { ok, mismatches } = claimsMatchCredential(payload);
    expect(ok).toBe(false);
    expect(mismatches.map((m) => m.split(' ')[0])).toEqual(['iss', 'sub', 'nbf', 'exp']);
  });
});
