import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import jsonld from 'jsonld';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { verifyCredential as verifierCore } from '@digitalcredentials/verifier-core';
import { buildOpenBadgeCredential } from '../../../src/openbadges/ob3-credential.js';
import { validateAchievementCredential } from '../../../src/openbadges/schema-validation.js';
import {
  buildStatusListCredential,
  createBitstring,
  encodeBitstring,
  setBit,
} from '../../../src/openbadges/status-list.js';
import {
  generateDataIntegrityKey,
  signDataIntegrity,
  verifyDataIntegrity,
  type DataIntegrityKey,
} from '../../../src/signing/data-integrity.js';
import { documentLoader } from '../../../src/signing/document-loader.js';
import { buildDidDocument, didKeyFor, didWebFor, keyUnderDid } from '../../../src/issuers/did-document.js';
import { BASE, credentialInput } from '../openbadges/credential-fixture.js';

/** The parts of a signed credential the tests change. */
interface Tamperable {
  credentialSubject: { achievement: { name: string } };
  proof: Array<{ cryptosuite: string }>;
}

async function didKeyIssuer(): Promise<DataIntegrityKey> {
  const k = await generateDataIntegrityKey();
  const did = didKeyFor(k.publicKeyMultibase);
  return keyUnderDid(did, k);
}

const loader = documentLoader();
const checkStatus = async () => ({ verified: true });
const OB_SCHEMA_URL = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';
const OB_SCHEMA_FILE = new URL(
  '../../../src/openbadges/schemas/json/ob_v3p0_achievementcredential_schema.json',
  import.meta.url,
);
const STATUS_URL = `${BASE}/api/credentials/public/status-lists/L1`;

function credentialOf(issuerDid: string, overrides: Parameters<typeof credentialInput>[0] = {}) {
  const input = credentialInput({ status: { listUrl: STATUS_URL, index: 94567 }, ...overrides });
  return buildOpenBadgeCredential({ ...input, issuer: { ...input.issuer, id: issuerDid } });
}

async function statusList(key: DataIntegrityKey, revoked: number[]) {
  const bits = createBitstring();
  for (const i of revoked) setBit(bits, i, true);
  const list = buildStatusListCredential({
    id: STATUS_URL,
    issuer: key.controller,
    validFrom: new Date(Date.now() - 60_000),
    encodedList: encodeBitstring(bits),
  });
  return signDataIntegrity(list, key, loader);
}

/** verifier-core fetches the status list over HTTP; answer only that URL, offline. */
function serveStatusList(doc: unknown) {
  vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url === OB_SCHEMA_URL) return new Response(readFileSync(OB_SCHEMA_FILE));
    if (url === STATUS_URL)
      return new Response(JSON.stringify(doc), { headers: { 'content-type': 'application/json' } });
    return new Response('not here', { status: 404 });
  });
}

afterEach(() => vi.unstubAllGlobals());

describe('Data Integrity proofs (eddsa-rdfc-2022)', () => {
  it('signs an OB 3.0 credential that still validates against both schemas and expands in safe mode', async () => {
    const key = await didKeyIssuer();
    const signed = await signDataIntegrity(credentialOf(key.controller), key, loader);
    expect(signed.proof).toHaveLength(1);
    expect(signed.proof[0]).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      proofPurpose: 'assertionMethod',
      verificationMethod: key.id,
    });
    const v = validateAchievementCredential(signed);
    expect(v.errors).toEqual([]);
    expect(v.byCopy.json.valid && v.byCopy.jsonld.valid).toBe(true);
    await expect(jsonld.expand(signed, { safe: true, documentLoader: loader })).resolves.toBeTruthy();
    const list = await statusList(key, []);
    await expect(jsonld.expand(list, { safe: true, documentLoader: loader })).resolves.toBeTruthy();
    expect(await verifyDataIntegrity(signed, loader)).toEqual({ verified: true, errors: [] });
  });

  it('the key under a DID: did:web names key-1, did:key the key itself; a key moved to another DID takes its id and controller', async () => {
    const k = await generateDataIntegrityKey();
    const web = didWebFor('https://badges.example.org', 'iss1');
    const underWeb = keyUnderDid(web, k);
    expect(underWeb).toEqual({ ...k, id: `${web}#key-1`, controller: web });
    expect(buildDidDocument({ did: web, publicKeyMultibase: k.publicKeyMultibase }).assertionMethod).toContain(
      underWeb.id,
    );
    const key = didKeyFor(k.publicKeyMultibase);
    expect(keyUnderDid(key, underWeb)).toEqual({ ...k, id: `${key}#${k.publicKeyMultibase}`, controller: key });
  });

  it('verifies with @digitalbazaar/vc for did:key and for a did:web document', async () => {
    const k = await generateDataIntegrityKey();
    const did = didWebFor('https://badges.example.org:8443', 'iss1');
    expect(did).toBe('did:web:badges.example.org%3A8443:issuers:iss1');
    const key = keyUnderDid(did, k);
    const doc = buildDidDocument({ did, publicKeyMultibase: k.publicKeyMultibase });
    const webLoader = documentLoader({ didWeb: async (d) => (d === did ? doc : undefined) });
    const signed = await signDataIntegrity(credentialOf(did), key, webLoader);
    const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
    const web = await vc.verifyCredential({ credential: signed, suite, documentLoader: webLoader, checkStatus });
    expect(web.verified).toBe(true);

    const kk = await didKeyIssuer();
    const byKey = await signDataIntegrity(credentialOf(kk.controller), kk, loader);
    const r = await vc.verifyCredential({ credential: byKey, suite, documentLoader: loader, checkStatus });
    expect(r.verified).toBe(true);
  });

  it('reports bad proofs as errors, not exceptions', async () => {
    const key = await didKeyIssuer();
    const signed = await signDataIntegrity(credentialOf(key.controller), key, loader);
    // Verified first, so the checks below run with the verifier kept for this key.
    expect((await verifyDataIntegrity(signed, loader)).verified).toBe(true);
    const tampered = structuredClone(signed) as unknown as Tamperable;
    tampered.credentialSubject.achievement.name = 'Something else';
    expect((await verifyDataIntegrity(tampered, loader)).verified).toBe(false);
    // Another signature (of other bytes, by the same key) under the same proof: the kept key still checks it.
    const resigned = await signDataIntegrity({ ...credentialOf(key.controller), name: 'Other' }, key, loader);
    const swapped = structuredClone(signed) as unknown as { proof: { proofValue: string }[] };
    swapped.proof[0].proofValue = (resigned.proof[0] as { proofValue: string }).proofValue;
    expect((await verifyDataIntegrity(swapped, loader)).verified).toBe(false);

    const unknownSuite = structuredClone(signed) as unknown as Tamperable;
    unknownSuite.proof[0].cryptosuite = 'ecdsa-made-up-2099';
    const u = await verifyDataIntegrity(unknownSuite, loader);
    expect(u.verified).toBe(false);
    expect(u.errors.join(' ')).toMatch(/proof/i);

    // A key that is not the issuer's: signed by another did:key but claiming this issuer.
    const other = await didKeyIssuer();
    const foreign = await signDataIntegrity(credentialOf(key.controller), other, loader);
    expect((await verifyDataIntegrity(foreign, loader)).verified).toBe(false);

    // A did:web nobody here resolves.
    const web = { ...signed, issuer: { ...(signed.issuer as object), id: 'did:web:elsewhere.example' } };
    expect((await verifyDataIntegrity(web, loader)).verified).toBe(false);
  });

  describe('@digitalcredentials/verifier-core, offline', () => {
    it('fresh → valid signature, not revoked; revoked → revoked', async () => {
      const key = await didKeyIssuer();
      const signed = await signDataIntegrity(credentialOf(key.controller), key, loader);
      serveStatusList(await statusList(key, []));
      const fresh = await verifierCore({ credential: signed as never, knownDIDRegistries: [] });
      expect(fresh.errors).toBeUndefined();
      const steps = Object.fromEntries(fresh.log!.map((s: { id: string; valid?: boolean }) => [s.id, s.valid]));
      expect(steps).toMatchObject({ valid_signature: true, revocation_status: true, expiration: true });

      serveStatusList(await statusList(key, [94567]));
      const revoked = await verifierCore({ credential: signed as never, knownDIDRegistries: [] });
      const rsteps = Object.fromEntries(revoked.log!.map((s: { id: string; valid?: boolean }) => [s.id, s.valid]));
      expect(rsteps.revocation_status).toBe(false);
    });

    it('tampered → invalid signature; expired → expired', async () => {
      const key = await didKeyIssuer();
      serveStatusList(await statusList(key, []));
      const signed = await signDataIntegrity(credentialOf(key.controller), key, loader);
      const tampered = structuredClone(signed) as unknown as Tamperable;
      tampered.credentialSubject.achievement.name = 'Changed';
      const t = await verifierCore({ credential: tampered as never, knownDIDRegistries: [] });
      expect(t.errors?.[0]?.name).toBe('invalid_signature');

      const expired = await signDataIntegrity(
        credentialOf(key.controller, {
          issuedAt: new Date('2020-01-01T00:00:00Z'),
          expiresAt: new Date('2021-01-01T00:00:00Z'),
        }),
        key,
        loader,
      );
      const e = await verifierCore({ credential: expired as never, knownDIDRegistries: [] });
      const esteps = Object.fromEntries(e.log!.map((s: { id: string; valid?: boolean }) => [s.id, s.valid]));
      expect(esteps.expiration).toBe(false);
      expect(esteps.valid_signature).toBe(true);
    });
  });
});
