import { afterAll, describe, expect, it } from 'vitest';
import { buildOpenBadgeCredential } from '../../../src/openbadges/ob3-credential.js';
import { generateDataIntegrityKey, verifyDataIntegrity } from '../../../src/signing/data-integrity.js';
import { closeDataIntegrityPool, signCredentialsMany } from '../../../src/signing/data-integrity-pool.js';
import { documentLoader } from '../../../src/signing/document-loader.js';
import { generateIssuerKeyPair } from '../../../src/signing/issuer-key.js';
import { decodeCredentialJwt, verifyCredentialJwt } from '../../../src/signing/vc-jwt.js';
import { ValidationError } from '../../../src/errors.js';
import { didKeyFor, multikeyIdFor } from '../../../src/issuers/did-document.js';
import { credentialInput } from '../openbadges/credential-fixture.js';

const created = new Date('2026-01-02T03:04:05Z');

describe('signing pool (issue 18: Data Integrity proof and VC-JWT on the signing threads)', () => {
  afterAll(() => closeDataIntegrityPool());

  it('signs each credential with both proofs, the VC-JWT over the proofed credential, in the order given', async () => {
    const k = await generateDataIntegrityKey();
    const did = didKeyFor(k.publicKeyMultibase);
    const diKey = { ...k, id: multikeyIdFor(did, k.publicKeyMultibase), controller: did };
    const pair = await generateIssuerKeyPair('ES256');
    const jwtKey = { privateJwk: pair.privateJwk, alg: pair.alg, kid: 'https://badges.example.org/keys/1' };
    const drafts = Array.from({ length: 30 }, (_, i) => {
      const vc = buildOpenBadgeCredential(
        credentialInput({ id: `https://badges.example.org/assertions/a${i}/credential.json` }),
      );
      return { ...vc, issuer: { ...vc.issuer, id: did } };
    });

    const signed = await signCredentialsMany(drafts, { dataIntegrity: diKey, jwt: jwtKey }, created);

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
    await expect(signCredentialsMany([bad], { jwt: jwtKey }, created)).rejects.toBeInstanceOf(ValidationError);
  }, 60_000);
});
