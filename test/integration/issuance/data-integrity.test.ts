import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import jsonld from 'jsonld';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { verifyCredential as verifierCore } from '@digitalcredentials/verifier-core';
import { DB_KINDS } from '../../support/databases.js';
import { validateAchievementCredential } from '../../../src/openbadges/schema-validation.js';
import { documentLoader } from '../../../src/signing/document-loader.js';
import { didWebOverHttpLoader } from '../../support/did-web-loader.js';
import { startIssuanceService, type IssuanceFixture } from './issuance-fixture.js';
import { fetchOnlyFrom, stepsOf } from '../../support/offline-verifier.js';

describe('Data Integrity credentials from a running service (issue 14)', () => {
  let f: IssuanceFixture;
  let issuerId: string;
  let credentialId: string;
  let origin: string;

  beforeAll(async () => {
    f = await startIssuanceService(DB_KINDS[0], { ISSUE_WAIT_MS: '5000' });
    issuerId = await f.issuer();
    credentialId = await f.credential(issuerId);
    origin = new URL(f.svc.url).host;
  });
  afterAll(() => f?.svc.stop());
  afterEach(() => vi.unstubAllGlobals());

  async function issueOne(user = 'sam') {
    const r = await f.as('alice')('POST', `/${credentialId}/assertions/`, { body: { recipient: { user_id: user } } });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    const a = r.body.result;
    const json = await f.get(a.credential_json);
    expect(json.status).toBe(200);
    return { assertion: a, credential: json.json };
  }

  it('issues a did:web credential with a DataIntegrityProof that @digitalbazaar/vc verifies via the served DID document', async () => {
    const { credential } = await issueOne();
    const did = credential.issuer.id as string;
    expect(did).toBe(`did:web:${origin.replace(':', '%3A')}:issuers:${issuerId}`);
    expect(credential.proof[0]).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      proofPurpose: 'assertionMethod',
    });
    const v = validateAchievementCredential(credential);
    expect(v.errors).toEqual([]);
    expect(v.byCopy.json.valid && v.byCopy.jsonld.valid).toBe(true);

    const doc = await f.get(`${f.svc.url}/issuers/${issuerId}/did.json`);
    expect(doc.status).toBe(200);
    expect(doc.json.id).toBe(did);
    expect(doc.json.assertionMethod).toContain(credential.proof[0].verificationMethod);
    expect(doc.json.verificationMethod.some((m: { type: string }) => m.type === 'JsonWebKey')).toBe(true);

    const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
    const checkStatus = async () => ({ verified: true });
    const r = await vc.verifyCredential({ credential, suite, documentLoader: didWebOverHttpLoader(), checkStatus });
    expect(r.verified, JSON.stringify(r.error)).toBe(true);
    await expect(jsonld.expand(credential, { safe: true, documentLoader: documentLoader() })).resolves.toBeTruthy();
  });

  it('serves the status list as a Data Integrity JSON credential to JSON clients and as a JWT otherwise', async () => {
    const { credential } = await issueOne('sue');
    const listUrl = credential.credentialStatus.statusListCredential as string;
    const json = await f.get(listUrl, { accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(json.json.proof[0].cryptosuite).toBe('eddsa-rdfc-2022');
    expect(json.json.issuer).toBe(credential.issuer.id);
    await expect(jsonld.expand(json.json, { safe: true, documentLoader: documentLoader() })).resolves.toBeTruthy();
    const ld = await f.get(listUrl, { accept: 'application/vc+ld+json' });
    expect(ld.headers.get('content-type')).toMatch(/^application\/vc\+ld\+json/);
    const jwt = await f.get(listUrl, { accept: 'application/vc+jwt' });
    expect(jwt.headers.get('content-type')).toMatch(/^application\/vc\+jwt/);
    expect(jwt.text.split('.')).toHaveLength(3);
  });

  it('verifier-core (offline but for this service): fresh → valid, not revoked; revoked → revoked; tampered → invalid', async () => {
    const { assertion, credential } = await issueOne('dora');
    fetchOnlyFrom(f.svc.url);
    const fresh = await verifierCore({ credential, knownDIDRegistries: [] });
    expect(fresh.errors, JSON.stringify(fresh.errors)).toBeUndefined();
    expect(stepsOf(fresh)).toMatchObject({ valid_signature: true, revocation_status: true, expiration: true });

    const tampered = structuredClone(credential);
    tampered.credentialSubject.achievement.name = 'Something else';
    const t = await verifierCore({ credential: tampered, knownDIDRegistries: [] });
    expect(t.errors?.[0]?.name).toBe('invalid_signature');

    vi.unstubAllGlobals();
    const path = `/assertions/${assertion.entityId}`;
    const revoke = await f.as('alice')('PUT', path, { body: { revoked: true, revocationReason: 'Awarded in error' } });
    expect(revoke.status).toBeLessThan(300);
    fetchOnlyFrom(f.svc.url);
    const revoked = await verifierCore({ credential, knownDIDRegistries: [] });
    expect(stepsOf(revoked).revocation_status).toBe(false);
  });

  it('/verify checks the Data Integrity proof and reports bad DI input as failed checks, never a 500', async () => {
    const { credential } = await issueOne('sam');
    const verify = (body: unknown) => f.svc.api('POST', '/api/credentials/public/verify', { token: null, body });
    type Checks = { checks: Array<{ check: string; ok: boolean; detail: string; proof?: string }> };
    const signatureOf = (body: Checks, proof = 'data-integrity') =>
      body.checks.find((c) => c.check === 'signature' && c.proof === proof)!;

    const ok = await verify({ credential });
    expect(ok.status).toBe(200);
    expect(ok.body.verified, JSON.stringify(ok.body.checks)).toBe(true);
    // Both proofs are checked, each reported as its own signature check.
    expect(signatureOf(ok.body, 'vc-jwt')).toMatchObject({ ok: true, detail: expect.stringMatching(/^VC-JWT signed/) });
    expect(signatureOf(ok.body).detail).toMatch(/Data Integrity proof \(eddsa-rdfc-2022\) verified/);

    // Not one of ours by id: judged by its own proof alone.
    const cases: Array<[string, (c: typeof credential) => void, RegExp]> = [
      ['unknown cryptosuite', (c) => (c.proof[0].cryptosuite = 'made-up-2099'), /Unsupported proof/],
      [
        'a key not in the DID document',
        (c) => (c.proof[0].verificationMethod = `${c.issuer.id}#key-9`),
        /is not in the DID document/,
      ],
      [
        'a DID of another host',
        (c) => {
          c.issuer.id = 'did:web:elsewhere.example:issuers:x';
          c.proof[0].verificationMethod = 'did:web:elsewhere.example:issuers:x#key-1';
        },
        /did not resolve/,
      ],
      ['a proof that is not an object', (c) => (c.proof = ['nonsense']), /not a proof object/],
      [
        // JSON-LD work grows with the document: a large one is refused before it holds the event loop.
        'a credential too large to canonicalize',
        (c) => (c.evidence = Array.from({ length: 2000 }, () => ({ type: ['Evidence'], name: 'same' }))),
        /larger than 32 KiB/,
      ],
    ];
    for (const [name, change, detail] of cases) {
      const bad = structuredClone(credential);
      bad.id = `${bad.id}-copy`;
      change(bad);
      const r = await verify({ credential: bad });
      expect(r.status, name).toBe(200);
      expect(r.body.verified, name).toBe(false);
      expect(signatureOf(r.body), name).toMatchObject({ ok: false });
      expect(signatureOf(r.body).detail, name).toMatch(detail);
    }
  });
});
