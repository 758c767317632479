import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { DB_KINDS } from '../../support/databases.js';
import { didWebOverHttpLoader } from '../../support/did-web-loader.js';
import { startIssuanceService, type IssuanceFixture } from './issuance-fixture.js';
import { up as fillStatusListIssuerRefs } from '../../../src/db/migrations/019-status-list-issuer-refs.js';
import { decodeBitstring, getBit } from '../../../src/openbadges/status-list.js';
import { verificationService } from '../../../src/verification/verification-service.js';

/**
 * Issue 14: issuers choose their DID method and proof formats; every input /verify takes (JSON,
 * baked PNG and SVG, certificate PDF, as the service renders them) reports which proofs it checked.
 */
type Check = { check: string; ok: boolean; detail: string; proof?: string };
type Verdict = { verified: boolean; checks: Check[]; credential: Record<string, any> | null };

const proofsChecked = (v: Verdict) =>
  v.checks
    .filter((c) => c.check === 'signature')
    .map((c) => `${c.proof}:${c.ok}`)
    .sort();

describe('issuer proof settings and verification of every input (issue 14)', () => {
  let f: IssuanceFixture;
  const verify = async (body: unknown): Promise<Verdict> => {
    const r = await f.svc.api('POST', '/api/credentials/public/verify', { token: null, body });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };
  const upload = async (bytes: Uint8Array, filename: string, type: string): Promise<Verdict> => {
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(bytes)], { type }), filename);
    const res = await fetch(`${f.svc.url}/api/credentials/public/verify`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    return (await res.json()) as Verdict;
  };
  /** A rendered file of an assertion, once the render worker has made it. */
  const rendered = async (id: string, name: string): Promise<Buffer> => {
    const url = `${f.svc.url}/api/credentials/public/assertions/${id}/${name}`;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const res = await fetch(url);
      if (res.status === 200) return Buffer.from(await res.arrayBuffer());
      if (Date.now() > deadline) throw new Error(`${name} of ${id}: ${res.status}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const issue = async (credentialId: string, user: string) => {
    const r = await f.as('alice')('POST', `/${credentialId}/assertions/`, { body: { recipient: { user_id: user } } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const json = await f.get(r.body.result.credential_json);
    return { assertion: r.body.result, credential: json.json };
  };

  beforeAll(async () => {
    f = await startIssuanceService(DB_KINDS[0], {
      ISSUE_WAIT_MS: '10000',
      RENDER_PAGES: '2',
      WORKERS: 'issuance,render',
    });
  }, 60_000);
  afterAll(() => f?.svc.stop());

  it('validates did_method and proof_formats on create and update with clear 400s, and returns them', async () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ proof_formats: [] }, /at least one proof format/],
      [{ proof_formats: ['ldp'] }, /must be one of "data-integrity", "vc-jwt"/],
      [{ proof_formats: ['vc-jwt', 'vc-jwt'] }, /twice/],
      [{ proof_formats: 'vc-jwt' }, /proof_formats: .*expected array/],
      [{ did_method: 'ion' }, /must be "web" or "key"/],
    ];
    for (const [body, message] of bad) {
      const r = await f.as('alice')('POST', '/issuers/', { body: { name: 'Bad', ...body } });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.status.description, JSON.stringify(body)).toMatch(message);
    }
    const created = await f.as('alice')('POST', '/issuers/', { body: { name: 'Defaults' } });
    expect(created.body.result).toMatchObject({ did_method: 'web', proof_formats: ['data-integrity', 'vc-jwt'] });
    const id = created.body.result.entityId;
    const put = await f.as('alice')('PUT', `/issuers/${id}`, {
      body: { did_method: 'key', proof_formats: ['vc-jwt'] },
    });
    expect(put.status).toBe(200);
    expect(put.body[0]).toMatchObject({ name: 'Defaults', did_method: 'key', proof_formats: ['vc-jwt'] });
    const badPut = await f.as('alice')('PUT', `/issuers/${id}`, { body: { proof_formats: [] } });
    expect(badPut.status).toBe(400);
    expect((await f.as('alice')('GET', `/issuers/${id}`)).body[0].proof_formats).toEqual(['vc-jwt']);
  });

  it('a VC-JWT only issuer issues no Data Integrity proof; a Data Integrity only issuer no VC-JWT; both verify', async () => {
    const jwtOnly = await f.credential(await f.issuer({ name: 'JWT only', proof_formats: ['vc-jwt'] }));
    const a = await issue(jwtOnly, 'sam');
    expect(a.credential.proof).toBeUndefined();
    expect(a.credential.issuer.id).toMatch(/^https?:\/\//);
    expect((await f.get(a.assertion.credential_jwt)).status).toBe(200);
    const va = await verify({ credential: a.credential });
    expect(va.verified, JSON.stringify(va.checks)).toBe(true);
    expect(proofsChecked(va)).toEqual(['vc-jwt:true']);

    const diOnly = await f.credential(await f.issuer({ name: 'DI only', proof_formats: ['data-integrity'] }));
    const b = await issue(diOnly, 'sam');
    expect(b.credential.proof[0].cryptosuite).toBe('eddsa-rdfc-2022');
    const jwt = await f.get(b.assertion.credential_jwt);
    expect(jwt.status).toBe(404);
    expect(jwt.text).toMatch(/Data Integrity only/);
    const vb = await verify({ credential: b.credential });
    expect(vb.verified, JSON.stringify(vb.checks)).toBe(true);
    expect(proofsChecked(vb)).toEqual(['data-integrity:true']);
    const byId = await verify({ assertion_id: b.assertion.entityId });
    expect(byId.verified, JSON.stringify(byId.checks)).toBe(true);
    // An edit is caught by the comparison with what was stored, and by the proof.
    const edited = await verify({ credential: { ...b.credential, name: 'Edited' } });
    expect(edited.verified).toBe(false);
    expect(edited.checks.find((c) => c.check === 'integrity')?.ok).toBe(false);
  });

  it('verifying a Data Integrity only assertion by id reads its row once', async () => {
    const { assertion } = await issue(
      await f.credential(await f.issuer({ name: 'DI only reads', proof_formats: ['data-integrity'] })),
      'sam',
    );
    const rt = f.svc.service.runtime;
    const reads: string[] = [];
    const assertionRepo = {
      ...rt.repos.assertionRepo,
      getAssertionById: (id: string) => (reads.push(id), rt.repos.assertionRepo.getAssertionById(id)),
    };
    // A verifier of its own (an empty cache: the miss), over the service's database, keys and repositories.
    const verification = verificationService({
      ...rt.repos,
      assertionRepo,
      db: rt.db,
      urls: rt.urls,
      issuerKeys: rt.issuerKeys,
      uploads: { inspect: () => Promise.reject(new Error('no files here')) },
    });
    const v = await verification.verify({ assertionId: assertion.entityId });
    expect(v.verified, JSON.stringify(v.checks)).toBe(true);
    expect(v.checks.find((c) => c.check === 'integrity')?.ok).toBe(true);
    expect(reads).toEqual([assertion.entityId]);
  });

  it('changing did_method gives future awards the new DID; awards under the old one keep verifying', async () => {
    const issuerId = await f.issuer({ name: 'Mover' });
    const credentialId = await f.credential(issuerId);
    const before = await issue(credentialId, 'sam');
    expect(before.credential.issuer.id).toMatch(/^did:web:/);
    const put = await f.as('alice')('PUT', `/issuers/${issuerId}`, { body: { did_method: 'key' } });
    expect(put.status).toBe(200);
    const after = await issue(credentialId, 'sue');
    expect(after.credential.issuer.id).toMatch(/^did:key:z6Mk/);
    for (const { credential } of [before, after]) {
      const v = await verify({ credential });
      expect(v.verified, JSON.stringify(v.checks)).toBe(true);
      expect(proofsChecked(v)).toEqual(['data-integrity:true', 'vc-jwt:true']);
      // Each award's status list names the issuer it names (wallet verifiers require them to match):
      // the new DID's awards are on new lists, the old lists keep the old DID.
      const list = await f.get(credential.credentialStatus.statusListCredential, { accept: 'application/json' });
      expect(list.json.issuer).toBe(credential.issuer.id);
      expect(list.json.proof[0].verificationMethod.startsWith(credential.issuer.id)).toBe(true);
    }
    expect(after.credential.credentialStatus.statusListCredential).not.toBe(
      before.credential.credentialStatus.statusListCredential,
    );
    // The earlier did:web award also verifies with the unchanged library against the served document.
    const loader = didWebOverHttpLoader();
    const r = await vc.verifyCredential({
      credential: before.credential,
      suite: new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
      documentLoader: loader,
      checkStatus: async () => ({ verified: true }),
    });
    expect(r.verified, JSON.stringify(r.error)).toBe(true);
  });

  it('a status list made before migration 017 gets the issuer id its credentials name (019); revoking and issuing on it work', async () => {
    const issuerId = await f.issuer({ name: 'Legacy' });
    const credentialId = await f.credential(issuerId);
    const old = await issue(credentialId, 'sam');
    const entry = old.credential.credentialStatus;
    const listId = entry.statusListCredential.split('/').pop();
    const db = f.svc.service.runtime.db;
    // As migration 017 left it: no issuer_ref (and nothing signed under one).
    const unsigned = { signed_jwt: null, signed_version: null, signed_di: null, signed_di_version: null };
    await db
      .updateTable('status_lists')
      .set({ issuer_ref: null, ...unsigned })
      .where('id', '=', listId)
      .execute();
    // The issuer's settings changed since: its DID now is not the one the list's credentials name.
    expect((await f.as('alice')('PUT', `/issuers/${issuerId}`, { body: { did_method: 'key' } })).status).toBe(200);

    // Before 019 a verifier fetched it: signed and stored under the issuer's settings of now (did:key).
    const stale = await f.get(entry.statusListCredential, { accept: 'application/json' });
    expect(stale.json.issuer).toMatch(/^did:key:/);

    await fillStatusListIssuerRefs(db);
    const row = await db.selectFrom('status_lists').select('issuer_ref').where('id', '=', listId).executeTakeFirst();
    expect(row?.issuer_ref).toBe(old.credential.issuer.id);
    expect(row?.issuer_ref).toMatch(/^did:web:/);
    // The copy signed under the wrong DID is not served again, though the list's bits did not change.
    const fresh = await f.get(entry.statusListCredential, { accept: 'application/json' });
    expect(fresh.json.issuer).toBe(old.credential.issuer.id);

    const revoke = await f.as('alice')('PUT', `/assertions/${old.assertion.entityId}`, {
      body: { revoked: true, revocationReason: 'Awarded in error' },
    });
    expect(revoke.status).toBeLessThan(300);
    const list = await f.get(entry.statusListCredential, { accept: 'application/json' });
    expect(list.json.issuer).toBe(old.credential.issuer.id);
    expect(list.json.proof[0].verificationMethod.startsWith(old.credential.issuer.id)).toBe(true);
    const bits = decodeBitstring(list.json.credentialSubject.encodedList);
    expect(getBit(bits, Number(entry.statusListIndex))).toBe(true);
    const v = await verify({ credential: old.credential });
    expect(v.checks.find((c) => c.check === 'revocation')?.ok).toBe(false);

    // Back under the DID the list names: new awards take entries of it again.
    expect((await f.as('alice')('PUT', `/issuers/${issuerId}`, { body: { did_method: 'web' } })).status).toBe(200);
    const again = await issue(credentialId, 'sue');
    expect(again.credential.issuer.id).toBe(old.credential.issuer.id);
    expect(again.credential.credentialStatus.statusListCredential).toBe(entry.statusListCredential);
  });

  it('a bulk signs its Data Integrity proofs on the signing threads: every one verifies, in order', async () => {
    const users = Array.from({ length: 30 }, (_, i) => `bulk${i}`);
    for (const u of users) {
      const r = await f.svc.api('PUT', `/api/admin/orgs/acme/users/${u}`, {
        body: { role: 'student', email: `${u}@example.org`, departments: [] },
      });
      expect(r.status).toBe(200);
    }
    const credentialId = await f.credential(await f.issuer({ name: 'Bulk DI' }));
    const r = await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, { body: { users } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.issued).toHaveLength(users.length);
    const list = await f.as('alice')('GET', `/${credentialId}/assertions/?page_size=100`);
    const loader = didWebOverHttpLoader();
    const seen = new Set<string>();
    for (const a of list.body.data) {
      const credential = (await f.get(a.credential_json)).json;
      // The row's own credential: its id and recipient salt, not a neighbour's.
      expect(credential.id).toBe(a.credential_json);
      seen.add(credential.credentialSubject.identifier[0].salt);
      const v = await vc.verifyCredential({
        credential,
        suite: new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
        documentLoader: loader,
        checkStatus: async () => ({ verified: true }),
      });
      expect(v.verified, JSON.stringify(v.error)).toBe(true);
    }
    expect(seen.size).toBe(users.length);
    const jwt = await verify({ assertion_id: list.body.data[7].entityId });
    expect(proofsChecked(jwt)).toEqual(['data-integrity:true', 'vc-jwt:true']);
  }, 120_000);

  it('baked PNG and SVG and the certificate PDF made by the service: both proofs checked (or the one there is)', async () => {
    const both = await issue(await f.credential(await f.issuer({ name: 'Both' })), 'sam');
    const diOnly = await issue(
      await f.credential(await f.issuer({ name: 'DI only files', proof_formats: ['data-integrity'] })),
      'sam',
    );
    const cases: Array<[string, string, string]> = [
      ['badge.png', 'image/png', 'badge.png'],
      ['badge.svg', 'image/svg+xml', 'badge.svg'],
      ['certificate.pdf', 'application/pdf', 'certificate.pdf'],
    ];
    for (const [name, type, filename] of cases) {
      const v = await upload(await rendered(both.assertion.entityId, name), filename, type);
      expect(v.verified, `${name}: ${JSON.stringify(v.checks)}`).toBe(true);
      expect(proofsChecked(v), name).toEqual(['data-integrity:true', 'vc-jwt:true']);
      expect(v.credential?.id).toBe(both.credential.id);

      const d = await upload(await rendered(diOnly.assertion.entityId, name), filename, type);
      expect(d.verified, `${name} (DI only): ${JSON.stringify(d.checks)}`).toBe(true);
      expect(proofsChecked(d), name).toEqual(['data-integrity:true']);
      expect(d.credential?.id).toBe(diOnly.credential.id);
    }
    // The verification page lists both proofs.
    const page = await fetch(both.assertion.verification_url, { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(html).toMatch(/VC-JWT signed/);
    expect(html).toMatch(/Data Integrity proof \(eddsa-rdfc-2022\) verified/);
  }, 180_000);
});
