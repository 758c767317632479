import { afterAll, describe, expect, it } from 'vitest';
import { buildOpenBadgeCredential } from '../../../src/openbadges/ob3-credential.js';
import { generateDataIntegrityKey, verifyDataIntegrity } from '../../../src/signing/data-integrity.js';
import { dataIntegrityPool } from '../../../src/signing/data-integrity-pool.js';
import { documentLoader } from '../../../src/signing/document-loader.js';
import { generateIssuerKeyPair } from '../../../src/signing/issuer-key.js';
import { decodeCredentialJwt, verifyCredentialJwt } from '../../../src/signing/vc-jwt.js';
import { ValidationError } from '../../../src/errors.js';
import { didKeyFor, keyUnderDid } from '../../../src/issuers/did-document.js';
import { credentialInput } from '../openbadges/credential-fixture.js';

const created = new Date('2026-01-02T03:04:05Z');

describe('signing pool (issue 18: Data Integrity proof and VC-JWT on the signing threads)', () => {
  const pool = dataIntegrityPool();
  afterAll(() => pool.close());

  it('signs each credential with both proofs, the VC-JWT over the proofed credential, in the order given', async () => {
    const k = await generateDataIntegrityKey();
    const did = didKeyFor(k.publicKeyMultibase);
    const diKey = keyUnderDid(did, k);
    const pair = await generateIssuerKeyPair('ES256');
    const jwtKey = { privateJwk: pair.privateJwk, alg: pair.alg, kid: 'https://badges.example.org/keys/1' };
    const drafts = Array.from({ length: 30 }, (_, i) => {
      const vc = buildOpenBadgeCredential(
        credentialInput({ id: `https://badges.example.org/assertions/a${i}/credential.json` }),
      );
      return { ...vc, issuer: { ...vc.issuer, id: did } };
    });

    const signed = await pool.signMany(drafts, { dataIntegrity: diKey, jwt: jwtKey }, created);

    expect(signed).toHaveLength(30);
    const loader = documentLoader();
    for (const [i, s] of signed.entries()) {
      expect((s.credential as { id: string }).id).toBe(drafts[i].id);
      expect((await verifyDataIntegrity(s.credential, loader)).verified).toBe(true);
      await verifyCredentialJwt(s.jwt!, pair.publicJwk);
      expect(decodeCredentialJwt(s.jwt!).payload).toMatchObject({
        jti: drafts[i].id,
        proof: (s.credential as { proof: unknown }).proof,
      });
    }
  }, 60_000);

  it('a credential the JWT signer refuses is a ValidationError, as on the calling thread', async () => {
    const pair = await generateIssuerKeyPair('ES256');
    const jwtKey = { privateJwk: pair.privateJwk, alg: pair.alg, kid: 'https://badges.example.org/keys/1' };
    const vc = buildOpenBadgeCredential(credentialInput());
    const bad = { ...vc, validFrom: '2026-01-02T03:04:05.5Z' };
    await expect(pool.signMany([bad], { jwt: jwtKey }, created)).rejects.toBeInstanceOf(ValidationError);
  }, 60_000);

  it('close ends its threads; a later use starts new ones', async () => {
    const pair = await generateIssuerKeyPair('ES256');
    const jwtKey = { privateJwk: pair.privateJwk, alg: pair.alg, kid: 'https://badges.example.org/keys/1' };
    const own = dataIntegrityPool();
    const sign = () => own.signMany([buildOpenBadgeCredential(credentialInput())], { jwt: jwtKey }, created);
    await sign();
    expect(own.threads()).toBeGreaterThan(0);
    await own.close();
    expect(own.threads()).toBe(0);
    expect(await sign()).toHaveLength(1);
    await own.close();
  }, 60_000);
});
