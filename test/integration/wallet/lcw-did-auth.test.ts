import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DB_KINDS } from '../../support/databases.js';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';
import { createLcwTestWallet } from './lcw-test-wallet.js';
import { post } from './test-wallet.js';

describe.each(DB_KINDS)("Add to wallet: the Learner Credential Wallet's Ed25519Signature2020 DID auth (%s)", (kind) => {
  let f: IssuanceFixture;
  let credentialId: string;
  const copiesOf = async (assertionId: string) =>
    (
      await sql<{
        holder_did: string;
      }>`select holder_did from wallet_copies where assertion_id = ${assertionId}`.execute(f.svc.service.runtime.db)
    ).rows.map((r) => r.holder_did);

  beforeAll(async () => {
    f = await startIssuanceService(kind);
    credentialId = await f.credential(await f.issuer());
  });
  afterAll(() => f?.svc.stop());

  async function exchangeFor(user: 'sam' | 'sue') {
    const issued = await f.as('alice')('POST', `/${credentialId}/assertions/`, {
      body: { recipient: { user_id: user }, claim_links: true },
    });
    expect([200, 201], JSON.stringify(issued.body)).toContain(issued.status);
    const a = issued.body.result;
    const x = await f.svc.api('POST', `/api/credentials/public/assertions/${a.entityId}/exchanges`, {
      token: null,
      body: { claim: a.claimLink.token },
    });
    expect(x.status, JSON.stringify(x.body)).toBe(201);
    return { assertionId: a.entityId as string, url: x.body.exchangeUrl as string };
  }

  it.each([1, 2] as const)('a wallet signing like LCW (credentials v%s context) receives the credential', async (v) => {
    const x = await exchangeFor('sam');
    const wallet = await createLcwTestWallet(v);
    const done = await wallet.exchange(x.url);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const [credential] = done.body.verifiablePresentation.verifiableCredential;
    expect(credential.credentialSubject.id).toBe(wallet.did);
    expect(credential.proof[0].cryptosuite).toBe('eddsa-rdfc-2022');
    expect(await copiesOf(x.assertionId)).toContain(wallet.did);
    const check = await f.svc.api('POST', '/api/credentials/public/verify', { token: null, body: { credential } });
    expect(check.body.verified, JSON.stringify(check.body.checks)).toBe(true);
  });

  it('refuses a tampered Ed25519Signature2020 proof (422), issues nothing, and the genuine one still works', async () => {
    const x = await exchangeFor('sue');
    const vpr = (await post(x.url, {})).body.verifiablePresentationRequest;
    const wallet = await createLcwTestWallet(1);
    const signed = await wallet.didAuth({ challenge: vpr.challenge, domain: vpr.domain });
    const proof = signed.proof as Record<string, string>;
    expect(proof.type).toBe('Ed25519Signature2020');
    expect(signed['@context']).toEqual([
      'https://www.w3.org/2018/credentials/v1',
      'https://w3id.org/security/suites/ed25519-2020/v1',
    ]);

    const flipped = proof.proofValue.at(-2) === 'A' ? 'B' : 'A';
    const tamperings: Array<(vp: any) => void> = [
      (vp) => (vp.proof.proofValue = vp.proof.proofValue.slice(0, -2) + flipped + vp.proof.proofValue.slice(-1)),
      (vp) => (vp.proof.created = '2020-01-01T00:00:00Z'),
      (vp) => (vp.type = ['VerifiablePresentation', 'Forged']),
    ];
    for (const tamper of tamperings) {
      const forged = structuredClone(signed);
      tamper(forged);
      const r = await post(x.url, { verifiablePresentation: forged });
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.status.description).toMatch(/DID authentication failed/);
    }
    const otherSuite = structuredClone(signed) as any;
    otherSuite.proof.type = 'Ed25519Signature2018';
    const unsupported = await post(x.url, { verifiablePresentation: otherSuite });
    expect(unsupported.status).toBe(422);
    expect(unsupported.body.status.description).toMatch(/not one of .*Ed25519Signature2020/);
    expect(await copiesOf(x.assertionId)).toEqual([]);

    const ok = await post(x.url, { verifiablePresentation: signed });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(await copiesOf(x.assertionId)).toEqual([wallet.did]);
  });
});
