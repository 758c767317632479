import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { verifyCredential as verifierCore } from '@digitalcredentials/verifier-core';
import { walletExchangeRepository } from '../../../src/db/wallet-exchange-repository.js';
import { DB_KINDS } from '../../support/databases.js';
import { startIssuanceService, type IssuanceFixture, type User } from '../issuance/issuance-fixture.js';
import { createTestWallet, post } from './test-wallet.js';
import { fetchOnlyFrom, stepsOf } from '../../support/offline-verifier.js';

const MAX = 2;

/**
 * The security review of issue 15: a claim link issues at most WALLET_MAX_COPIES copies (checked
 * atomically), copies keep the DID their award was issued under, the page reuses its exchange, and
 * refused bearer tokens on the exchange route count against the refused-token budget.
 */
describe.each(DB_KINDS)('Add to wallet: claim link limits and copies under the original DID (%s)', (kind) => {
  let f: IssuanceFixture;
  let credentialId: string;
  let nextIp = 1;
  const db = () => f.svc.service.runtime.db;
  const count = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(db())).rows[0].n;
  const copiesOf = (assertionId: string) =>
    count(sql<{ n: number }>`select count(*)::int as n from wallet_copies where assertion_id = ${assertionId}`);

  beforeAll(async () => {
    f = await startIssuanceService(kind, {
      WALLET_MAX_COPIES: String(MAX),
      RATE_LIMIT_AUTH_FAILURES: '3/min',
      TRUST_PROXY: 'loopback',
    });
    credentialId = await f.credential(await f.issuer());
  });
  afterAll(() => f?.svc.stop());
  afterEach(() => vi.unstubAllGlobals());

  async function issue(user: User, credential = credentialId) {
    const r = await f.as('alice')('POST', `/${credential}/assertions/`, {
      body: { recipient: { user_id: user }, claim_links: true },
    });
    expect([200, 201], JSON.stringify(r.body)).toContain(r.status);
    const a = r.body.result;
    return { id: a.entityId as string, claim: a.claimLink.token as string, credentialJson: a.credential_json };
  }

  const createExchange = (assertionId: string, body: unknown, token: string | null = null) =>
    f.svc.api('POST', `/api/credentials/public/assertions/${assertionId}/exchanges`, { token, body });

  /** An exchange made and asked for its DID-auth request. */
  async function requested(assertionId: string, claim: string) {
    const r = await createExchange(assertionId, { claim });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const vpr = (await post(r.body.exchangeUrl, {})).body.verifiablePresentationRequest;
    return { url: r.body.exchangeUrl as string, id: r.body.exchangeId as string, vpr };
  }

  async function present(x: Awaited<ReturnType<typeof requested>>) {
    const wallet = await createTestWallet();
    const vp = await wallet.didAuth({ challenge: x.vpr.challenge, domain: x.vpr.domain });
    return { wallet, answer: await post(x.url, { verifiablePresentation: vp }) };
  }

  it('a claim link issues WALLET_MAX_COPIES copies; the next is refused (409) and issues nothing; bearer tokens are not capped', async () => {
    const a = await issue('sam');
    // Made while under the limit, presented once it is reached: refused at completion too.
    const early = await requested(a.id, a.claim);
    for (let i = 0; i < MAX; i++) {
      const { answer } = await present(await requested(a.id, a.claim));
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    }
    expect(await copiesOf(a.id)).toBe(MAX);

    const refused = await createExchange(a.id, { claim: a.claim });
    expect(refused.status).toBe(409);
    expect(refused.body.status.description).toMatch(new RegExp(`claim link ${MAX} time\\(s\\).*ask its issuer`));
    const late = await present(early);
    expect(late.answer.status).toBe(409);
    expect(late.answer.body.status.description).toMatch(/ask its issuer/);
    expect(await copiesOf(a.id)).toBe(MAX);
    const state = await sql<{ state: string }>`select state from wallet_exchanges where id = ${early.id}`.execute(db());
    expect(state.rows[0].state).not.toBe('complete');

    // The page behind the claim link says so, with no QR code.
    const page = await f.get(`${f.svc.url}/v/${a.id}?claim=${encodeURIComponent(a.claim)}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/data-field="wallet-problem">[^<]*ask its issuer/);
    expect(page.text).not.toContain('data-field="wallet-qr"');

    // An admin of the org (a bearer token) still adds it to another wallet; it does not count.
    const byAdmin = await createExchange(a.id, {}, f.tokens.alice);
    expect(byAdmin.status).toBe(201);
    const done = await (await createTestWallet()).exchange(byAdmin.body.exchangeUrl);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(await copiesOf(a.id)).toBe(MAX + 1);
    expect((await createExchange(a.id, { claim: a.claim })).status).toBe(409);
  });

  it('wallets racing at the limit on separate exchanges: exactly one receives a copy', async () => {
    const a = await issue('sue');
    expect((await present(await requested(a.id, a.claim))).answer.status).toBe(200);
    // MAX - 1 copies so far: one more may go. Four exchanges, all made before any completes.
    const xs = await Promise.all([1, 2, 3, 4].map(() => requested(a.id, a.claim)));
    const answers = await Promise.all(xs.map(present));
    expect(answers.map((r) => r.answer.status).sort()).toEqual([200, 409, 409, 409]);
    for (const r of answers.filter((x) => x.answer.status === 409)) {
      expect(r.answer.body.status.description).toMatch(/most allowed/);
    }
    expect(await copiesOf(a.id)).toBe(MAX);
    const complete = await count(
      sql<{ n: number }>`select count(*)::int as n from wallet_exchanges
        where assertion_id = ${a.id} and state = 'complete'`,
    );
    expect(complete).toBe(MAX);

    // The same at the storage level, where nothing (signing, HTTP) spaces the completions out:
    // eight at once on eight exchanges of an assertion one copy short of the limit.
    const b = await issue('sam', await f.credential(await f.issuer({ name: 'Racing' }), { name: 'Race badge' }));
    const repo = walletExchangeRepository(db());
    const ids = Array.from({ length: 8 }, (_, i) => `race-${b.id}-${i}`.padEnd(24, 'x'));
    for (const id of ids) {
      await repo.insertExchange({
        id,
        assertion_id: b.id,
        org: 'acme',
        challenge: id,
        created_by: 'claim',
        expires_at: new Date(Date.now() + 60_000),
      });
    }
    const copy = (i: number) => ({
      id: randomUUID(),
      assertion_id: b.id,
      exchange_id: ids[i],
      holder_did: `did:example:${i}`,
      credential_json: {},
      credential_jwt: null,
      by_claim: true,
    });
    expect(await repo.complete(ids[0], copy(0), MAX)).toBe('stored');
    const outcomes = await Promise.all(ids.slice(1).map((id, i) => repo.complete(id, copy(i + 1), MAX)));
    expect(outcomes.filter((o) => o === 'stored')).toHaveLength(MAX - 1);
    expect(outcomes.filter((o) => o === 'capped')).toHaveLength(ids.length - MAX);
    expect(await copiesOf(b.id)).toBe(MAX);
  });

  it('a copy names the DID its award was issued under after a did_method change, with the proofs the issuer signs now', async () => {
    const issuerId = await f.issuer({ name: 'Mover' });
    const a = await issue('sam', await f.credential(issuerId, { name: 'Moving badge' }));
    const original = (await f.get(a.credentialJson)).json;
    expect(original.issuer.id).toMatch(/^did:web:/);
    const put = await f.as('alice')('PUT', `/issuers/${issuerId}`, {
      body: { did_method: 'key', proof_formats: ['data-integrity'] },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);

    const { wallet, answer } = await present(await requested(a.id, a.claim));
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const [credential] = answer.body.verifiablePresentation.verifiableCredential;
    expect(credential.issuer.id).toBe(original.issuer.id);
    expect(credential.proof[0].verificationMethod).toBe(`${original.issuer.id}#key-1`);
    expect(credential.credentialSubject.id).toBe(wallet.did);
    expect(credential.credentialStatus).toEqual(original.credentialStatus);
    const list = await f.get(credential.credentialStatus.statusListCredential, { accept: 'application/json' });
    expect(list.json.issuer).toBe(credential.issuer.id);
    // Data Integrity only now: no VC-JWT is made for the copy.
    const row = await sql<{
      credential_jwt: string | null;
      by_claim: boolean;
    }>`select credential_jwt, by_claim from wallet_copies where holder_did = ${wallet.did}`.execute(db());
    expect(row.rows).toEqual([{ credential_jwt: null, by_claim: true }]);

    fetchOnlyFrom(f.svc.url);
    const verdict = await verifierCore({ credential, knownDIDRegistries: [] });
    vi.unstubAllGlobals();
    expect(verdict.errors, JSON.stringify(verdict.errors)).toBeUndefined();
    expect(stepsOf(verdict)).toMatchObject({ valid_signature: true, revocation_status: true, expiration: true });

    // Our /verify knows the copy by its id, with no VC-JWT stored.
    const v = await f.svc.api('POST', '/api/credentials/public/verify', { token: null, body: { credential } });
    expect(v.body.verified, JSON.stringify(v.body.checks)).toBe(true);
    const edited = await f.svc.api('POST', '/api/credentials/public/verify', {
      token: null,
      body: { credential: { ...credential, name: 'Edited' } },
    });
    expect(edited.body.verified).toBe(false);
  });

  it('loading the page behind a claim link again shows the same open exchange, not a new one', async () => {
    const a = await issue('dora');
    const pageUrl = `${f.svc.url}/v/${a.id}?claim=${encodeURIComponent(a.claim)}`;
    const exchanges = () =>
      count(sql<{ n: number }>`select count(*)::int as n from wallet_exchanges where assertion_id = ${a.id}`);
    const interactionOf = (html: string) => /href="([^"]+)" data-link="wallet-interaction"/.exec(html)?.[1];
    const first = await f.get(pageUrl);
    const second = await f.get(pageUrl);
    expect(interactionOf(first.text)).toMatch(/\/interaction/);
    expect(interactionOf(second.text)).toBe(interactionOf(first.text));
    expect(await exchanges()).toBe(1);
    // The POST route still starts an exchange of its own.
    expect((await createExchange(a.id, { claim: a.claim })).status).toBe(201);
    expect(await exchanges()).toBe(2);

    // One with under half its lifetime left is not shown: the next load makes a new one.
    await sql`update wallet_exchanges set expires_at = now() + interval '30 seconds'
      where assertion_id = ${a.id}`.execute(db());
    const third = await f.get(pageUrl);
    expect(interactionOf(third.text)).not.toBe(interactionOf(first.text));
    expect(await exchanges()).toBe(3);
    // A completed one is not shown either.
    const shown = interactionOf(third.text)!.replace(/&amp;/g, '&');
    const vcapi = (await f.get(shown, { accept: 'application/json' })).json.protocols.vcapi;
    expect((await (await createTestWallet()).exchange(vcapi)).status).toBe(200);
    const fourth = interactionOf((await f.get(pageUrl)).text);
    expect(fourth).toMatch(/\/interaction/);
    expect(fourth).not.toBe(interactionOf(third.text));
  });

  it('refused bearer tokens on the exchange route count against the refused-token budget', async () => {
    const a = await issue('sam');
    const ip = `203.0.113.${nextIp++}`;
    const from = (token: string) =>
      f.svc.api('POST', `/api/credentials/public/assertions/${a.id}/exchanges`, {
        token,
        body: {},
        headers: { 'x-forwarded-for': ip },
      });
    for (let i = 0; i < 3; i++) expect((await from(`bw_wrong_${i}`)).status).toBe(401);
    const blocked = await from('bw_wrong_again');
    expect(blocked.status).toBe(429);
    expect(blocked.body.status.description).toMatch(/refused tokens from your address/);
    // The same budget as every other route: the address's right token waits too.
    expect((await from(f.tokens.alice)).status).toBe(429);
    const elsewhere = await f.svc.api('POST', `/api/credentials/public/assertions/${a.id}/exchanges`, {
      token: f.tokens.alice,
      body: {},
      headers: { 'x-forwarded-for': `203.0.113.${nextIp++}` },
    });
    expect(elsewhere.status).toBe(201);
  });
});
