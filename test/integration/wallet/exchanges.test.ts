import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { verifyCredential as verifierCore } from '@digitalcredentials/verifier-core';
import puppeteer, { type Browser } from 'puppeteer-core';
import { DB_KINDS } from '../../support/databases.js';
import { findChromium } from '../../../src/embedded/chromium.js';
import { pollJob, startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';
import { createTestWallet, post } from './test-wallet.js';
import { fetchOnlyFrom, stepsOf } from '../../support/offline-verifier.js';

describe.each(DB_KINDS)('Add to wallet: VC API exchanges bound to the holder DID (issue 15, %s)', (kind) => {
  let f: IssuanceFixture;
  let credentialId: string;
  let origin: string;
  const db = () => f.svc.service.runtime.db;
  const copies = async () =>
    Number((await sql<{ n: number }>`select count(*)::int as n from wallet_copies`.execute(db())).rows[0].n);

  beforeAll(async () => {
    f = await startIssuanceService(kind);
    credentialId = await f.credential(await f.issuer());
    origin = new URL(f.svc.url).host;
  });
  afterAll(() => f?.svc.stop());
  afterEach(() => vi.unstubAllGlobals());

  async function issue(user: string) {
    const r = await f.as('alice')('POST', `/${credentialId}/assertions/`, {
      body: { recipient: { user_id: user }, claim_links: true },
    });
    // 201 issued now, 200 held already: either answer carries the claim link.
    expect([200, 201], JSON.stringify(r.body)).toContain(r.status);
    const a = r.body.result;
    expect(a.claimLink.url).toBe(`${f.svc.url}/v/${a.entityId}?claim=${a.claimLink.token}`);
    return { id: a.entityId as string, claim: a.claimLink.token as string, credentialJson: a.credential_json };
  }

  const createExchange = (assertionId: string, body: unknown, token: string | null = null) =>
    f.svc.api('POST', `/api/credentials/public/assertions/${assertionId}/exchanges`, { token, body });

  it('a third-party test wallet runs the exchange and verifier-core accepts the credential issued to its DID', async () => {
    const a = await issue('sam');
    const created = await createExchange(a.id, { claim: a.claim });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const x = created.body;
    expect(x.exchangeUrl).toBe(`${f.svc.url}/api/credentials/public/exchanges/${x.exchangeId}`);
    expect(x.deepLink.startsWith('dccrequest://request?request=')).toBe(true);
    const lcwRequest = JSON.parse(decodeURIComponent(x.deepLink.split('request=')[1]));
    expect(lcwRequest).toEqual({
      credentialRequestOrigin: new URL(f.svc.url).origin,
      protocols: { vcapi: x.exchangeUrl },
    });
    expect(x.deepLinks.learnCard).toBe(
      `https://learncard.app/request?vc_request_url=${encodeURIComponent(x.exchangeUrl)}`,
    );
    expect(x.qrCodePng).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);

    // The interaction URL (what the QR encodes): JSON for wallets, a page for browsers.
    const json = await f.get(x.interactionUrl, { accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(json.json).toEqual({ protocols: { vcapi: x.exchangeUrl } });
    const page = await f.get(x.interactionUrl, { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain(x.deepLinks.learnCard.replace(/&/g, '&amp;'));

    // A browser wallet on another origin may POST JSON here (CORS preflight).
    const preflight = await fetch(x.exchangeUrl, {
      method: 'OPTIONS',
      headers: { origin: 'https://wallet.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);

    const first = await post(x.exchangeUrl, {});
    expect(first.status).toBe(200);
    const vpr = first.body.verifiablePresentationRequest;
    expect(vpr.query[0]).toMatchObject({
      type: 'DIDAuthentication',
      acceptedMethods: [{ method: 'key' }, { method: 'web' }],
    });
    expect(vpr.domain).toBe(origin);
    expect(vpr.interact.service[0]).toEqual({
      type: 'UnmediatedHttpPresentationService2021',
      serviceEndpoint: x.exchangeUrl,
    });
    expect(typeof vpr.challenge).toBe('string');

    const wallet = await createTestWallet();
    const vp = await wallet.didAuth({ challenge: vpr.challenge, domain: vpr.domain });
    const done = await post(vpr.interact.service[0].serviceEndpoint, { verifiablePresentation: vp });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const [credential] = done.body.verifiablePresentation.verifiableCredential;
    expect(credential.credentialSubject.id).toBe(wallet.did);
    expect(credential.id).toMatch(/^urn:uuid:/);
    const original = (await f.get(a.credentialJson)).json;
    expect(credential.credentialStatus).toEqual(original.credentialStatus);
    expect(credential.credentialSubject.achievement).toEqual(original.credentialSubject.achievement);
    expect(credential.proof[0].cryptosuite).toBe('eddsa-rdfc-2022');
    expect(credential.proof[0].proofValue).not.toBe(original.proof[0].proofValue);

    fetchOnlyFrom(f.svc.url);
    const verdict = await verifierCore({ credential, knownDIDRegistries: [] });
    expect(verdict.errors, JSON.stringify(verdict.errors)).toBeUndefined();
    expect(stepsOf(verdict)).toMatchObject({ valid_signature: true, revocation_status: true, expiration: true });
    vi.unstubAllGlobals();

    // Our own /verify knows the copy (its VC-JWT is stored with it).
    const v = await f.svc.api('POST', '/api/credentials/public/verify', { token: null, body: { credential } });
    expect(v.body.verified, JSON.stringify(v.body.checks)).toBe(true);
    const holders = await sql<{
      holder_did: string;
    }>`select holder_did from wallet_copies where assertion_id = ${a.id}`.execute(db());
    expect(holders.rows.map((r) => r.holder_did)).toEqual([wallet.did]);

    // Replaying the presentation: the exchange is single use, nothing more is issued.
    const replay = await post(x.exchangeUrl, { verifiablePresentation: vp });
    expect(replay.status).toBe(409);
    expect(replay.body.status.description).toMatch(/single use/);
    expect(await copies()).toBe(1);

    // Revoking the assertion revokes the wallet's copy (same status entry).
    const revoke = await f.as('alice')('PUT', `/assertions/${a.id}`, {
      body: { revoked: true, revocationReason: 'Error' },
    });
    expect(revoke.status).toBe(200);
    fetchOnlyFrom(f.svc.url);
    expect(stepsOf(await verifierCore({ credential, knownDIDRegistries: [] })).revocation_status).toBe(false);
  });

  it('refuses bad exchanges and presentations with clear 4xx and issues nothing', async () => {
    const before = await copies();
    const a = await issue('sue');
    const fresh = async () => {
      const r = await createExchange(a.id, { claim: a.claim });
      expect(r.status).toBe(201);
      const vpr = (await post(r.body.exchangeUrl, {})).body.verifiablePresentationRequest;
      return { url: r.body.exchangeUrl as string, id: r.body.exchangeId as string, vpr };
    };
    const wallet = await createTestWallet();
    const x = await fresh();

    const wrongChallenge = await post(x.url, {
      verifiablePresentation: await wallet.didAuth({ challenge: 'not-the-challenge', domain: x.vpr.domain }),
    });
    expect(wrongChallenge.status).toBe(422);
    expect(wrongChallenge.body.status.description).toMatch(/challenge/);

    const wrongDomain = await post(x.url, {
      verifiablePresentation: await wallet.didAuth({ challenge: x.vpr.challenge, domain: 'evil.example' }),
    });
    expect(wrongDomain.status).toBe(422);

    const signed = await wallet.didAuth({ challenge: x.vpr.challenge, domain: x.vpr.domain });
    const { proof: _proof, ...unsigned } = signed;
    const noProof = await post(x.url, { verifiablePresentation: unsigned });
    expect(noProof.status).toBe(400);
    expect(noProof.body.status.description).toMatch(/no proof/);

    const other = await createTestWallet();
    const foreign = await post(x.url, {
      verifiablePresentation: await wallet.didAuth({
        challenge: x.vpr.challenge,
        domain: x.vpr.domain,
        holder: other.did,
      }),
    });
    expect(foreign.status).toBe(422);
    expect(foreign.body.status.description).toMatch(/not by its holder/);

    const tampered = structuredClone(signed);
    (tampered.proof as { proofValue: string }).proofValue = 'z' + '1'.repeat(80);
    expect((await post(x.url, { verifiablePresentation: tampered })).status).toBe(422);

    for (const host of ['unresolvable.invalid', '127.0.0.1%3A1', 'example.com%3A99999']) {
      const webWallet = await createTestWallet(() => `did:web:${host}`);
      const r = await post(x.url, {
        verifiablePresentation: await webWallet.didAuth({ challenge: x.vpr.challenge, domain: x.vpr.domain }),
      });
      expect(r.status, host).toBe(422);
      expect(r.body.status.description).toMatch(/does not resolve/);
    }

    const huge = await post(x.url, JSON.stringify({ verifiablePresentation: { holder: 'x'.repeat(1_100_000) } }));
    expect(huge.status).toBe(413);
    const padded = { ...signed, padding: 'x'.repeat(20_000) };
    const big = await post(x.url, { verifiablePresentation: padded });
    expect(big.status).toBe(413);
    expect(big.body.status.description).toMatch(/DID-auth presentation is at most/);
    expect((await post(x.url, '{"verifiablePresentation": ')).status).toBe(400);
    expect((await post(`${f.svc.url}/api/credentials/public/exchanges/${'A'.repeat(24)}`, {})).status).toBe(404);

    // Every failure above left the exchange open: the right presentation still works once.
    const ok = await post(x.url, { verifiablePresentation: signed });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await post(x.url, {})).status).toBe(409);

    // Expired: refused for the request and the presentation alike.
    const late = await fresh();
    await sql`update wallet_exchanges set expires_at = now() - interval '1 second' where id = ${late.id}`.execute(db());
    expect((await post(late.url, {})).status).toBe(410);
    const lateVp = await wallet.didAuth({ challenge: late.vpr.challenge, domain: late.vpr.domain });
    const expired = await post(late.url, { verifiablePresentation: lateVp });
    expect(expired.status).toBe(410);
    expect(expired.body.status.description).toMatch(/expired/);
    expect(await copies()).toBe(before + 1);
  });

  it("serves the Learner Credential Wallet's older single-POST link (challenge in the link, no request step)", async () => {
    const a = await issue('sue');
    const x = (await createExchange(a.id, { claim: a.claim })).body;
    const legacy = new URL(x.deepLinks.lcwLegacy.replace('dccrequest://', 'https://lcw.invalid/'));
    expect(legacy.searchParams.get('vc_request_url')).toBe(x.exchangeUrl);
    const wallet = await createTestWallet();
    const vp = await wallet.didAuth({ challenge: legacy.searchParams.get('challenge')! });
    const r = await post(x.exchangeUrl, { verifiablePresentation: vp });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.verifiablePresentation.verifiableCredential[0].credentialSubject.id).toBe(wallet.did);

    // Once the wallet was handed the request, its domain is required.
    const y = (await createExchange(a.id, { claim: a.claim })).body;
    const vpr = (await post(y.exchangeUrl, {})).body.verifiablePresentationRequest;
    const noDomain = await post(y.exchangeUrl, {
      verifiablePresentation: await wallet.didAuth({ challenge: vpr.challenge }),
    });
    expect(noDomain.status).toBe(422);
    expect(noDomain.body.status.description).toMatch(/domain/);
  });

  it('two wallets racing on one exchange: exactly one receives the credential', async () => {
    const a = await issue('sam');
    const x = (await createExchange(a.id, { claim: a.claim })).body;
    const vpr = (await post(x.exchangeUrl, {})).body.verifiablePresentationRequest;
    const wallets = await Promise.all([1, 2, 3, 4].map(() => createTestWallet()));
    const vps = await Promise.all(wallets.map((w) => w.didAuth({ challenge: vpr.challenge, domain: vpr.domain })));
    const answers = await Promise.all(vps.map((vp) => post(x.exchangeUrl, { verifiablePresentation: vp })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    const rows = await sql<{
      n: number;
    }>`select count(*)::int as n from wallet_copies where exchange_id = ${x.exchangeId}`.execute(db());
    expect(rows.rows[0].n).toBe(1);
  });

  it('a revocation between the request and the presentation issues nothing (410), and no new exchange starts', async () => {
    const other = await f.credential(await f.issuer({ name: 'Revocable' }), { name: 'Revocable badge' });
    const r = await f.as('alice')('POST', `/${other}/assertions/`, {
      body: { recipient: { user_id: 'sue' }, claim_links: true },
    });
    const a = r.body.result;
    const x = (await createExchange(a.entityId, { claim: a.claimLink.token })).body;
    const vpr = (await post(x.exchangeUrl, {})).body.verifiablePresentationRequest;
    const revoke = await f.as('alice')('PUT', `/assertions/${a.entityId}`, {
      body: { revoked: true, revocationReason: 'x' },
    });
    expect(revoke.status).toBe(200);
    const wallet = await createTestWallet();
    const late = await post(x.exchangeUrl, {
      verifiablePresentation: await wallet.didAuth({ challenge: vpr.challenge, domain: vpr.domain }),
    });
    expect(late.status).toBe(410);
    expect(late.body.status.description).toMatch(/revoked/);
    expect((await createExchange(a.entityId, { claim: a.claimLink.token })).status).toBe(410);
    const stored = await sql<{
      n: number;
    }>`select count(*)::int as n from wallet_copies where assertion_id = ${a.entityId}`.execute(db());
    expect(stored.rows[0].n).toBe(0);
  });

  it('creates exchanges only for a valid claim token of that assertion or a bearer token that may see it', async () => {
    const sam = await issue('sam');
    const sue = await issue('sue');
    expect((await createExchange(sam.id, {})).status).toBe(401);
    expect((await createExchange(sam.id, { claim: sue.claim })).status).toBe(401);
    expect((await createExchange(sam.id, { claim: sam.claim.slice(0, -2) + 'AA' })).status).toBe(401);
    expect((await createExchange(sam.id, {}, 'not-a-token')).status).toBe(401);
    expect((await createExchange(sam.id, {}, f.tokens.alice)).status).toBe(201);
    expect((await createExchange(sam.id, {}, f.tokens.sam)).status).toBe(201);
    expect((await createExchange(sam.id, {}, f.tokens.sue)).status).toBe(404);
    expect((await createExchange(sam.id, {}, f.tokens.gina)).status).toBe(404);
    const viaQuery = await f.svc.api(
      'POST',
      `/api/credentials/public/assertions/${sam.id}/exchanges?claim=${encodeURIComponent(sam.claim)}`,
      { token: null },
    );
    expect(viaQuery.status).toBe(201);
  });

  it('bulk answers carry one claim link per recipient when asked', async () => {
    const other = await f.credential(await f.issuer({ name: 'Other' }), { name: 'Other badge' });
    const r = await f.as('alice')('POST', `/${other}/assertions/bulk/`, {
      body: { users: ['sam', { email: 'sue@example.com' }], claim_links: true },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.claim_links.map((l: { user: string }) => l.user).sort()).toEqual(['sam', 'sue@example.com']);
    for (const link of r.body.claim_links) {
      const claim = new URL(link.url).searchParams.get('claim')!;
      expect((await createExchange(link.assertion_id, { claim })).status).toBe(201);
    }
    const plain = await f.as('alice')('POST', `/${other}/assertions/bulk/`, { body: { users: ['dora'] } });
    expect(plain.body.claim_links).toBeUndefined();
  });

  it('a bulk answered 202 has its claim links in the job status once finished', async () => {
    const later = await f.credential(await f.issuer({ name: 'Later' }), { name: 'Later badge' });
    const queue = f.svc.service.runtime.queues.issuance;
    await queue.pause(); // guarantees the 202 path (both requests wait out ISSUE_WAIT_MS together)
    let asked, plain;
    try {
      [asked, plain] = await Promise.all([
        f.as('alice')('POST', `/${later}/assertions/bulk/`, {
          body: { users: ['sam', { email: 'sue@example.com' }, 'nobody-known'], claim_links: true },
        }),
        f.as('alice')('POST', `/${later}/assertions/bulk/`, { body: { users: ['dora'] } }),
      ]);
    } finally {
      await queue.resume();
    }
    expect([asked.status, plain.status], JSON.stringify([asked.body, plain.body])).toEqual([202, 202]);
    expect(asked.body.claim_links).toBeUndefined();
    const finished = async (jobId: string) =>
      (await pollJob(f.as('alice'), jobId, (s) => s.state === 'completed')).at(-1).result;
    const done = await finished(asked.body.job_id);
    expect(done.failed.map((x: { user: string }) => x.user)).toEqual(['nobody-known']);
    const links = done.claim_links as Array<{ user: string; assertion_id: string; url: string }>;
    expect(links.map((l) => l.user).sort()).toEqual(['sam', 'sue@example.com']);
    for (const link of links) {
      expect(link.url).toMatch(new RegExp(`^${f.svc.url}/v/${link.assertion_id}\\?claim=`));
      const claim = new URL(link.url).searchParams.get('claim')!;
      expect((await createExchange(link.assertion_id, { claim })).status).toBe(201);
    }
    // Without the flag, the finished job has none.
    const plainDone = await finished(plain.body.job_id);
    expect(plainDone.issued).toEqual(['dora']);
    expect(plainDone.claim_links).toBeUndefined();
  });

  it('the verification page shows "Add to wallet" (QR and wallet links) only with a valid claim link', async () => {
    const a = await issue('dora');
    const other = await issue('sam');
    const exe = findChromium();
    expect(exe, 'Chromium is installed').toBeTruthy();
    const browser: Browser = await puppeteer.launch({
      executablePath: exe,
      headless: /headless[-_]shell/.test(exe!) ? 'shell' : true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
    try {
      const look = async (url: string) => {
        const page = await browser.newPage();
        // Not 'load': the badge image waits on a render worker this suite does not run.
        const res = await page.goto(url, { waitUntil: 'domcontentloaded' });
        await page.waitForFunction(
          () =>
            [...document.querySelectorAll('img[data-field="wallet-qr"]')].every(
              (i) => (i as HTMLImageElement).complete,
            ),
          { timeout: 5000 },
        );
        const seen = {
          status: res!.status(),
          cache: res!.headers()['cache-control'],
          section: await page.$$eval('[data-section="wallet"]', (els) => els.length),
          qr: await page.$$eval('img[data-field="wallet-qr"]', (imgs) =>
            imgs.map((i) => ({ src: i.getAttribute('src'), width: (i as HTMLImageElement).naturalWidth })),
          ),
          links: await page.$$eval('a[data-link^="wallet-"]', (as) =>
            Object.fromEntries(as.map((x) => [x.getAttribute('data-link'), x.getAttribute('href')])),
          ),
          problem: await page.$$eval('[data-field="wallet-problem"]', (els) => els.map((e) => e.textContent)),
        };
        await page.close();
        return seen;
      };
      const stranger = await look(`${f.svc.url}/v/${a.id}`);
      expect(stranger).toMatchObject({ status: 200, section: 0, qr: [], links: {}, cache: 'public, max-age=60' });

      const owner = await look(`${f.svc.url}/v/${a.id}?claim=${encodeURIComponent(a.claim)}`);
      expect(owner.status).toBe(200);
      expect(owner.cache).toBe('private, no-store');
      expect(owner.section).toBe(1);
      expect(owner.qr).toHaveLength(1);
      expect(owner.qr[0].src).toMatch(/^data:image\/png;base64,/);
      expect(owner.qr[0].width, 'the QR image decoded in the browser').toBeGreaterThan(100);
      expect(owner.links['wallet-lcw']).toMatch(/^https:\/\/lcw\.app\/mobile\?request=/);
      expect(owner.links['wallet-learncard']).toMatch(/^https:\/\/learncard\.app\/request\?vc_request_url=/);
      // The page's interaction URL leads to a live exchange for this assertion.
      const interaction = await f.get(owner.links['wallet-interaction']!, { accept: 'application/json' });
      expect(interaction.status).toBe(200);
      const exchangeId = interaction.json.protocols.vcapi.split('/').at(-1);
      const row = await sql<{
        assertion_id: string;
      }>`select assertion_id from wallet_exchanges where id = ${exchangeId}`.execute(db());
      expect(row.rows[0].assertion_id).toBe(a.id);

      for (const claim of [other.claim, 'forged.token', a.claim.slice(0, -3) + 'xyz']) {
        const wrong = await look(`${f.svc.url}/v/${a.id}?claim=${encodeURIComponent(claim)}`);
        expect(wrong).toMatchObject({ status: 200, qr: [], links: {} });
        expect(wrong.problem[0]).toMatch(/claim link is not valid/);
      }
    } finally {
      await browser.close();
    }
  });
});
