import { describe, expect, it } from 'vitest';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { buildOpenBadgeCredential } from '../../../src/openbadges/ob3-credential.js';
import { canonicalTemplateStats, canonizeWithTemplates } from '../../../src/signing/canonical-template.js';
import { generateDataIntegrityKey, signDataIntegrity } from '../../../src/signing/data-integrity.js';
import { documentLoader } from '../../../src/signing/document-loader.js';
import { didKeyFor, keyUnderDid } from '../../../src/issuers/did-document.js';
import { BASE, credentialInput } from '../openbadges/credential-fixture.js';

const loader = documentLoader();
const DID = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

/** The awards of one bulk: what differs per recipient (ids, recipient, salt, status entry). */
function award(n: number, overrides: Parameters<typeof credentialInput>[0] = {}) {
  const input = credentialInput({
    id: `${BASE}/api/credentials/public/assertions/a${n}/credential.json`,
    image: `${BASE}/api/credentials/public/assertions/a${n}/image.png`,
    recipient: { userId: `user-${n}`, email: `u${n}@example.org`, salt: `salt${n}` },
    status: { listUrl: `${BASE}/api/status/1`, index: 1000 + n },
    ...overrides,
  });
  return buildOpenBadgeCredential({ ...input, issuer: { ...input.issuer, id: DID } });
}

describe('canonicalization through per-shape templates', () => {
  it('gives the N-Quads of the cryptosuite itself for every award of a bulk, by substitution after the first', async () => {
    const before = canonicalTemplateStats();
    for (let n = 0; n < 12; n++) {
      const credential = award(n);
      const ours = await canonizeWithTemplates(credential, { documentLoader: loader });
      const library = await eddsaRdfc2022.canonize(credential, { documentLoader: loader });
      expect(ours).toBe(library);
    }
    const after = canonicalTemplateStats();
    expect(after.substituted - before.substituted).toBeGreaterThanOrEqual(10);
    expect(after.refusedTemplates).toBe(before.refusedTemplates);
  });

  it('falls back to the library where a substitution would not be exact', async () => {
    const cases = [
      // A literal becomes an IRI-like value in an IRI position: relative, not kept as is.
      award(100, { evidence: [{ id: 'urn:x:1', name: 'Project report' }] }),
      // Two values that were different become equal (nodes would merge).
      award(101, { evidence: [{ id: `${BASE}/api/badges/teamwork`, name: 'Project report' }] }),
      // A string that steers expansion (a type) differs: another shape, its own template.
      award(102, { achievement: { ...credentialInput().achievement, achievementType: 'Certificate' } }),
    ];
    for (const credential of cases) {
      const ours = await canonizeWithTemplates(credential, { documentLoader: loader });
      expect(ours).toBe(await eddsaRdfc2022.canonize(credential, { documentLoader: loader }));
    }
  });

  it('signs proofs that the unchanged libraries verify, and that break when a substituted value is tampered', async () => {
    const k = await generateDataIntegrityKey();
    const did = didKeyFor(k.publicKeyMultibase);
    const key = keyUnderDid(did, k);
    const created = new Date('2026-01-01T00:00:00Z');
    const suite = () => new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
    const checkStatus = async () => ({ verified: true });
    const signed = [];
    for (let n = 200; n < 206; n++) {
      const c = award(n);
      signed.push(await signDataIntegrity({ ...c, issuer: { ...c.issuer, id: did } }, key, loader, created));
    }
    for (const credential of signed) {
      const r = await vc.verifyCredential({ credential, suite: suite(), documentLoader: loader, checkStatus });
      expect(r.verified, JSON.stringify(r.error)).toBe(true);
    }
    const tampered = structuredClone(signed[3]) as unknown as { credentialStatus: { statusListIndex: string } };
    tampered.credentialStatus.statusListIndex = '1';
    const t = await vc.verifyCredential({ credential: tampered, suite: suite(), documentLoader: loader, checkStatus });
    expect(t.verified).toBe(false);
  });
});
