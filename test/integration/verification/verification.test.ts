import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { sql } from 'kysely';
import { PNG } from 'pngjs';
import { PDFDocument } from 'pdf-lib';
import puppeteer, { type Browser } from 'puppeteer-core';
import { DB_KINDS } from '../../support/databases.js';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';
import { bakePng, bakeSvg } from '../../../src/openbadges/baking.js';
import { attachCredentialToPdf } from '../../../src/openbadges/pdf-credential.js';
import { validateAchievementCredential } from '../../../src/openbadges/schema-validation.js';
import { generateIssuerKeyPair } from '../../../src/signing/issuer-key.js';
import { signCredentialJwt } from '../../../src/signing/vc-jwt.js';
import { findChromium } from '../../../src/embedded/chromium.js';

const OUT = 'test-output/verification';

/** The independent verdict: key fetched from the kid URL, node:crypto, both schema copies. */
async function independentVerdict(jwt: string): Promise<{ signature: boolean; schema: boolean }> {
  const [h, p, s] = jwt.split('.');
  let header: any;
  let payload: any;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { signature: false, schema: false };
  }
  const res = await fetch(header.kid);
  if (res.status !== 200) return { signature: false, schema: false };
  const key = createPublicKey({ key: (await res.json()) as any, format: 'jwk' });
  const signature = cryptoVerify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(s, 'base64url'),
  );
  const { iss, jti, sub, nbf, exp, ...credential } = payload;
  const v = validateAchievementCredential(credential);
  return { signature, schema: v.byCopy.json.valid && v.byCopy.jsonld.valid };
}

function plainPng(): Buffer {
  const png = new PNG({ width: 8, height: 8 });
  png.data.fill(200);
  return PNG.sync.write(png);
}

const check = (body: any, name: string) => body.checks.find((c: any) => c.check === name);

describe.each(DB_KINDS)('verification: endpoint and page (%s)', (db) => {
  let f: IssuanceFixture;
  let issuerId: string;
  let credentialId: string;
  let valid: any;
  let other: any;
  let expiring: any;
  let revoked: any;
  let jwtOf: (a: any) => Promise<string>;
  const verify = (body: unknown) => f.svc.api('POST', '/api/credentials/public/verify', { token: null, body });
  const upload = async (bytes: Uint8Array, filename: string, type: string, fields: Record<string, string> = {}) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set('file', new Blob([new Uint8Array(bytes)], { type }), filename);
    const res = await fetch(`${f.svc.url}/api/credentials/public/verify`, { method: 'POST', body: form });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    f = await startIssuanceService(db, { ISSUE_WAIT_MS: '10000' });
    issuerId = await f.issuer();
    credentialId = await f.credential(issuerId);
    const second = await f.credential(issuerId, { name: 'Leadership' });
    const issue = async (credential: string, body: unknown) => {
      const r = await f.as('alice')('POST', `/${credential}/assertions/`, { body });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.result;
    };
    valid = await issue(credentialId, { recipient: { user_id: 'sam' } });
    other = await issue(credentialId, { recipient: { user_id: 'sue' } });
    // Expires a few seconds from now (issuance refuses a past expiry); the tests that need it expired wait.
    expiring = await issue(second, {
      recipient: { user_id: 'sue' },
      expires: new Date(Date.now() + 10_000).toISOString(),
    });
    revoked = await issue(second, { recipient: { user_id: 'sam' } });
    const r = await f.as('alice')('PUT', `/assertions/${revoked.entityId}`, {
      body: { revoked: true, revocationReason: 'Awarded in error' },
    });
    expect(r.status).toBe(200);
    jwtOf = async (a) => (await f.get(a.credential_jwt)).text;
  });
  afterAll(() => f?.svc.stop());

  async function waitForExpiry() {
    const left = Date.parse(expiring.expires) - Date.now();
    if (left > -200) await new Promise((r) => setTimeout(r, left + 300));
  }

  it('verifies a JWT, a JSON credential and an assertion id, each with every check passing', async () => {
    const jwt = await jwtOf(valid);
    const byJwt = await verify({ jwt });
    expect(byJwt.status).toBe(200);
    expect(byJwt.body.verified).toBe(true);
    // Issue 14: the credential inside the VC-JWT carries a Data Integrity proof too; both are checked.
    expect(byJwt.body.checks.map((c: any) => c.check + (c.proof ? `:${c.proof}` : ''))).toEqual([
      'format',
      'signature:vc-jwt',
      'signature:data-integrity',
      'claims',
      'issuer',
      'schema',
      'validity',
      'revocation',
    ]);
    expect(byJwt.body.checks.every((c: any) => c.ok && typeof c.detail === 'string')).toBe(true);
    expect(byJwt.body.credential.id).toBe(valid.credential_json);

    const json = (await f.get(valid.credential_json)).json;
    const byJson = await verify({ credential: json });
    expect(byJson.body.verified).toBe(true);
    expect(check(byJson.body, 'integrity').ok).toBe(true);

    const byId = await verify({ assertion_id: valid.entityId });
    expect(byId.body.verified).toBe(true);
    expect((await verify({ assertion_id: 'no-such-assertion' })).status).toBe(404);
  });

  it('checks the recipient, plain email (any case) or identity hash', async () => {
    const jwt = await jwtOf(valid);
    expect((await verify({ jwt, recipient: 'SAM@example.com' })).body.verified).toBe(true);
    expect((await verify({ jwt, recipient: valid.recipient.identity })).body.verified).toBe(true);
    const wrong = await verify({ jwt, recipient: 'sue@example.com' });
    expect(wrong.body.verified).toBe(false);
    expect(check(wrong.body, 'recipient')).toMatchObject({ ok: false });
  });

  it('rejects bad requests clearly', async () => {
    expect((await verify({})).status).toBe(400);
    expect((await verify({ recipient: 'sam@example.com' })).status).toBe(400);
    expect((await verify({ jwt: 'a.b.c', assertion_id: valid.entityId })).status).toBe(400);
    expect((await verify({ jwt: 42 })).status).toBe(400);
    const text = await f.svc.api('POST', '/api/credentials/public/verify', {
      token: null,
      body: 'jwt=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const garbage = await verify({ jwt: 'not a jwt' });
    expect(garbage.status).toBe(200);
    expect(garbage.body).toMatchObject({ verified: false, checks: [{ check: 'format', ok: false }] });
  });

  it('tamper evidence: one changed JWT character fails signature; an edited JSON name fails integrity; both agree with the independent check', async () => {
    const jwt = await jwtOf(valid);
    const ours = await independentVerdict(jwt);
    expect(ours).toEqual({ signature: true, schema: true });

    // Change one character of the payload (keep it valid base64url).
    const [h, p, s] = jwt.split('.');
    const i = Math.floor(p.length / 2);
    const tampered = `${h}.${p.slice(0, i)}${p[i] === 'A' ? 'B' : 'A'}${p.slice(i + 1)}.${s}`;
    const r = await verify({ jwt: tampered });
    expect(r.status).toBe(200);
    expect(r.body.verified).toBe(false);
    expect(check(r.body, 'signature').ok).toBe(false);
    expect((await independentVerdict(tampered)).signature).toBe(false);

    const json = (await f.get(valid.credential_json)).json;
    json.name = 'Rocket Science';
    const edited = await verify({ credential: json });
    expect(edited.body.verified).toBe(false);
    expect(check(edited.body, 'integrity')).toMatchObject({ ok: false, detail: expect.stringContaining('name') });
    // The other checks concern the signed original, which is intact.
    expect(check(edited.body, 'signature').ok).toBe(true);
  });

  it('credentials of any shape fail their checks, never the endpoint: odd kids, issuers, status entries, identifiers, nesting, broken PDFs', async () => {
    const json = (await f.get(valid.credential_json)).json;
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = (header: unknown, payload: unknown) => `${b64(header)}.${b64(payload)}.${'A'.repeat(86)}`;
    const header = { alg: 'ES256', typ: 'JWT', kid: 'x' };
    const cases: [string, unknown, unknown][] = [
      ['numeric kid', { ...header, kid: 123 }, json],
      ['object kid', { ...header, kid: { a: 1 } }, json],
      ['numeric issuer id', header, { ...json, issuer: { id: 5 } }],
      ['null status entry', header, { ...json, credentialStatus: [null] }],
      ['numeric identifier', header, { ...json, credentialSubject: { ...json.credentialSubject, identifier: 5 } }],
      ['null identifier', header, { ...json, credentialSubject: { ...json.credentialSubject, identifier: [null] } }],
      [
        'odd identifier members',
        header,
        {
          ...json,
          credentialSubject: {
            ...json.credentialSubject,
            identifier: [{ identityHash: {}, salt: 5, identityType: 'emailAddress' }],
          },
        },
      ],
      ['subject list of null', header, { ...json, credentialSubject: [null] }],
    ];
    for (const [name, h, p] of cases) {
      const r = await verify({ jwt: unsigned(h, p), recipient: 'sam@example.com' });
      expect(r.status, name).toBe(200);
      expect(r.body.verified, name).toBe(false);
      expect(check(r.body, 'signature').ok, name).toBe(false);
    }
    // Written as text: 5,000 levels are deeper than JSON.stringify itself goes.
    const nested = await verify(
      `{"credential":{"id":${JSON.stringify(json.id)},"deep":${'['.repeat(5000)}1${']'.repeat(5000)}}}`,
    );
    expect(nested.status).toBe(400);
    expect(nested.body.status.description).toMatch(/nested/);
    const brokenPdf = await upload(Buffer.from('%PDF-1.4\ngarbage'), 'certificate.pdf', 'application/pdf');
    expect(brokenPdf.status).toBe(400);
    expect(brokenPdf.body.status.description).toMatch(/PDF/);
  });

  it('a JSON credential is compared as submitted: a vc wrapper or JWT claims around it are edits too', async () => {
    const json = (await f.get(valid.credential_json)).json;
    const wrapped = await verify({ credential: { ...json, vc: { ...json }, name: 'Evil' } });
    expect(wrapped.body.verified).toBe(false);
    expect(check(wrapped.body, 'integrity')).toMatchObject({ ok: false, detail: expect.stringContaining('vc') });
    const claims = await verify({ credential: { ...json, iss: 'https://elsewhere.example' } });
    expect(check(claims.body, 'integrity')).toMatchObject({ ok: false, detail: expect.stringContaining('iss') });
  });

  it("files: baked PNG and SVG, certificate PDF; a PNG re-baked with another recipient's JWT fails the recipient check", async () => {
    const jwt = await jwtOf(valid);
    const png = bakePng(plainPng(), { ob3Jwt: jwt });
    const okPng = await upload(png, 'badge.png', 'image/png', { recipient: 'sam@example.com' });
    expect(okPng.status).toBe(200);
    expect(okPng.body.verified).toBe(true);
    expect(check(okPng.body, 'recipient').ok).toBe(true);

    const swapped = bakePng(png, { ob3Jwt: await jwtOf(other) });
    const bad = await upload(swapped, 'badge.png', 'image/png', { recipient: 'sam@example.com' });
    expect(bad.status).toBe(200);
    expect(bad.body.verified).toBe(false);
    expect(check(bad.body, 'recipient').ok).toBe(false);
    // Only the recipient is wrong: the swapped-in credential itself is genuine.
    expect(bad.body.checks.filter((c: any) => !c.ok).map((c: any) => c.check)).toEqual(['recipient']);

    const svg = bakeSvg(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
      { ob3Jwt: jwt },
    );
    // Sniffed by bytes: the declared type does not matter.
    const okSvg = await upload(Buffer.from(svg), 'badge.bin', 'application/octet-stream');
    expect(okSvg.body.verified).toBe(true);

    const doc = await PDFDocument.create();
    doc.addPage([200, 200]);
    const pdf = await attachCredentialToPdf(await doc.save(), {
      jwt,
      verificationUrl: valid.verification_url,
      assertionId: valid.entityId,
    });
    const okPdf = await upload(pdf, 'certificate.pdf', 'application/pdf');
    expect(okPdf.body.verified).toBe(true);
    expect(okPdf.body.credential.id).toBe(valid.credential_json);

    const unbaked = await upload(plainPng(), 'plain.png', 'image/png');
    expect(unbaked.status).toBe(200);
    expect(unbaked.body).toMatchObject({ verified: false, checks: [{ check: 'format', ok: false }] });
    expect((await upload(Buffer.from('GIF89a……'), 'x.gif', 'image/gif')).status).toBe(415);
    expect((await upload(Buffer.alloc(5 * 1024 * 1024 + 10, 1), 'big.png', 'image/png')).status).toBe(413);
  });

  it('a credential naming a foreign kid, issuer and status list fails with a clear reason and fetches nothing', async () => {
    let hits = 0;
    const canary: Server = createServer((_req, res) => {
      hits++;
      res.end('{}');
    });
    await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
    const foreign = `http://127.0.0.1:${(canary.address() as { port: number }).port}`;
    try {
      const credential = structuredClone((await f.get(valid.credential_json)).json);
      credential.id = `${foreign}/credentials/1`;
      credential.issuer = { ...credential.issuer, id: `${foreign}/issuer` };
      credential.credentialStatus = { ...credential.credentialStatus, statusListCredential: `${foreign}/status/1` };
      const pair = await generateIssuerKeyPair('ES256');
      const jwt = await signCredentialJwt(credential, {
        privateJwk: pair.privateJwk,
        alg: 'ES256',
        kid: `${foreign}/keys/1`,
      });
      const r = await verify({ jwt });
      expect(r.status).toBe(200);
      expect(r.body.verified).toBe(false);
      expect(check(r.body, 'signature')).toMatchObject({
        ok: false,
        detail: expect.stringContaining('not published by this service'),
      });
      expect(check(r.body, 'issuer')).toMatchObject({
        ok: false,
        detail: expect.stringContaining('not hosted by this service'),
      });
      expect(check(r.body, 'revocation').ok).toBe(false);
      const asJson = await verify({ credential });
      expect(check(asJson.body, 'integrity')).toMatchObject({
        ok: false,
        detail: expect.stringContaining('No credential with id'),
      });
      // A kid that merely looks like ours but points elsewhere by path tricks is not ours either.
      const lookalike = await signCredentialJwt(credential, {
        privateJwk: pair.privateJwk,
        alg: 'ES256',
        kid: `${f.svc.url}/api/credentials/public/keys/../../x`,
      });
      expect(check((await verify({ jwt: lookalike })).body, 'signature').ok).toBe(false);
      expect(hits).toBe(0);
    } finally {
      await new Promise((r) => canary.close(r));
    }
  });

  it('a key signed schema-invalid credential fails schema; an issuer retired before the issue date fails issuer', async () => {
    const rt = f.svc.service.runtime;
    const json = (await f.get(valid.credential_json)).json;
    const { achievement, ...subject } = json.credentialSubject;
    const broken = { ...json, credentialSubject: subject };
    const key = await rt.issuerKeys.getSigningKey(issuerId);
    const jwt = await signCredentialJwt(broken, key);
    const r = await verify({ jwt });
    expect(check(r.body, 'signature').ok).toBe(true);
    expect(check(r.body, 'schema').ok).toBe(false);
    expect((await independentVerdict(jwt)).schema).toBe(false);

    // A retired issuer's credentials stay valid only when issued before the retirement: a
    // retirement dated before the issue (as after a key compromise) fails them.
    const retiredIssuer = await f.issuer({ name: 'Gone Academy' });
    const cred = await f.credential(retiredIssuer, { name: 'Gone' });
    const a = (await f.as('alice')('POST', `/${cred}/assertions/`, { body: { recipient: { user_id: 'sam' } } })).body
      .result;
    expect((await verify({ assertion_id: a.entityId })).body.verified).toBe(true);
    await rt.db
      .updateTable('issuers')
      .set({ retired_at: sql<Date>`now() - interval '1 day'` })
      .where('id', '=', retiredIssuer)
      .execute();
    // Written behind the service's back (no event): the cached outcome holds for its bound.
    await new Promise((r) => setTimeout(r, f.svc.config.publicCacheMs + 50));
    const after = await verify({ assertion_id: a.entityId });
    expect(check(after.body, 'issuer')).toMatchObject({ ok: false, detail: expect.stringContaining('retired') });
  });

  it('DID documents kept for verification follow a rotation here at once, and a key retired behind the service shows within the bound', async () => {
    const rt = f.svc.service.runtime;
    const bound = f.svc.config.publicCacheMs;
    const rotating = await f.issuer({ name: 'Rotating Academy' });
    const cred = await f.credential(rotating, { name: 'Rotating' });
    const a = (await f.as('alice')('POST', `/${cred}/assertions/`, { body: { recipient: { user_id: 'sam' } } })).body
      .result;
    const jwt = await jwtOf(a);
    const proof = (await f.get(a.credential_json)).json.proof?.[0];
    expect(proof?.verificationMethod, 'the fixture issuer signs Data Integrity proofs too').toMatch(/^did:web:/);
    const did = String(proof.verificationMethod).split('#')[0];
    const jwkMethods = async () =>
      (
        (await rt.issuerKeys.dids.loader(did)).document as { verificationMethod: { type: string }[] }
      ).verificationMethod.filter((m) => m.type === 'JsonWebKey').length;
    const [old] = await rt.db.selectFrom('issuer_keys').select('id').where('issuer_id', '=', rotating).execute();

    // The first verification keeps the DID document.
    expect((await verify({ jwt })).body.verified).toBe(true);
    expect(await jwkMethods()).toBe(1);
    await rt.issuerKeys.rotate(rotating);
    // Dropped here at once: the DID document is kept for a minute.
    expect(await jwkMethods()).toBe(2);

    // Retired after the issue: still verified (the outcome cached before the rotation expires first).
    await new Promise((r) => setTimeout(r, bound + 50));
    expect((await verify({ jwt })).body.verified).toBe(true);
    // A retirement dated back before the issue (a compromise), behind the service's back: seen within the bound.
    await rt.db
      .updateTable('issuer_keys')
      .set({ retired_at: sql<Date>`now() - interval '1 day'` })
      .where('id', '=', old.id)
      .execute();
    await new Promise((r) => setTimeout(r, bound + 50));
    const after = await verify({ jwt });
    expect(check(after.body, 'issuer')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('key was retired'),
    });
  });

  it('expired and revoked credentials fail validity and revocation', async () => {
    await waitForExpiry();
    const exp = await verify({ assertion_id: expiring.entityId });
    expect(exp.body.verified).toBe(false);
    expect(check(exp.body, 'validity')).toMatchObject({ ok: false, detail: expect.stringMatching(/^Expired/) });
    const rev = await verify({ assertion_id: revoked.entityId });
    expect(rev.body.verified).toBe(false);
    expect(check(rev.body, 'revocation')).toMatchObject({ ok: false, detail: expect.stringMatching(/^Revoked/) });
    expect(check(rev.body, 'signature').ok).toBe(true);
  });

  it('content negotiation: JSON for machines, the page for browsers; the page has its own CSP and escapes values', async () => {
    const url = `${f.svc.url}/api/credentials/public/assertions/${valid.entityId}/`;
    const json = await f.get(url, { accept: 'application/json' });
    expect(json.json.result.entityId).toBe(valid.entityId);
    expect((await f.get(url)).json.result.entityId).toBe(valid.entityId);
    const html = await f.get(url, { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('vary')).toMatch(/Accept/);
    const csp = html.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'unsafe-inline'");
    expect(csp).not.toMatch(/script-src/);
    expect(html.text).not.toMatch(/<script/i);
    expect(html.text).toContain(
      `<meta property="og:image" content="${f.svc.url}/api/credentials/public/assertions/${valid.entityId}/badge.png">`,
    );
    // Revoked: the JSON is a 404, the page still answers (and says Revoked).
    const revokedUrl = `${f.svc.url}/api/credentials/public/assertions/${revoked.entityId}/`;
    expect((await f.get(revokedUrl, { accept: 'application/json' })).status).toBe(404);
    expect((await f.get(revokedUrl, { accept: 'text/html' })).text).toContain('Awarded in error');
    expect((await f.get(`${f.svc.url}/v/unknown-assertion`)).status).toBe(404);

    // A credential name with markup is shown as text.
    const evil = await f.credential(issuerId, { name: '<img src=x onerror=alert(1)>' });
    const e = (await f.as('alice')('POST', `/${evil}/assertions/`, { body: { recipient: { user_id: 'sam' } } })).body
      .result;
    const page = (await f.get(`${f.svc.url}/v/${e.entityId}`)).text;
    expect(page).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(page).not.toContain('<img src=x');
  });

  describe('in headless Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      mkdirSync(OUT, { recursive: true });
      const exe = findChromium();
      expect(exe, 'Chromium is installed').toBeTruthy();
      browser = await puppeteer.launch({
        executablePath: exe,
        headless: /headless[-_]shell/.test(exe!) ? 'shell' : true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
      });
    });
    afterAll(() => browser?.close());

    async function open(url: string, name: string, width = 1000) {
      const page = await browser.newPage();
      await page.setViewport({ width, height: 900 });
      const blocked: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
      });
      // Not 'load': that would also wait for the badge image, rendered on demand by the file routes.
      const res = await page.goto(url, { waitUntil: 'domcontentloaded' });
      expect(res?.status()).toBe(200);
      const status = await page.$eval('h1', (el) => el.textContent?.trim());
      const links = await page.$$eval('a[data-link]', (as) =>
        Object.fromEntries(as.map((a) => [a.getAttribute('data-link'), a.getAttribute('href')])),
      );
      const text = await page.$eval('main', (el) => (el as HTMLElement).innerText);
      const lang = await page.$eval('html', (el) => el.getAttribute('lang'));
      const scripts = await page.$$eval('script', (s) => s.length);
      const missingAlt = await page.$$eval('img', (imgs) => imgs.filter((i) => !i.hasAttribute('alt')).length);
      await page.screenshot({ path: `${OUT}/${db}-${name}.png`, fullPage: true });
      await page.close();
      return { status, links, text, lang, scripts, missingAlt, blocked };
    }

    it('a valid assertion: Verified, details, downloads, JSON/JWT links, LinkedIn', async () => {
      const p = await open(valid.verification_url, 'valid');
      expect(p.status).toBe('Verified');
      expect(p.lang).toBe('en');
      expect(p.scripts).toBe(0);
      expect(p.missingAlt).toBe(0);
      expect(p.blocked).toEqual([]);
      expect(p.text).toContain('Teamwork');
      expect(p.text).toContain('Works well with others.');
      expect(p.text).toContain('Nominated by two peers.');
      expect(p.text).toContain('Sam Student');
      expect(p.text).toContain('Acme Academy');
      expect(p.text).toContain('Does not expire');
      expect(p.links.pdf).toBe(`${f.svc.url}/api/credentials/public/assertions/${valid.entityId}/certificate.pdf`);
      expect(p.links.png).toBe(`${f.svc.url}/api/credentials/public/assertions/${valid.entityId}/certificate.png`);
      expect(p.links.badge).toBe(`${f.svc.url}/api/credentials/public/assertions/${valid.entityId}/badge.png`);
      expect(p.links.json).toBe(valid.credential_json);
      expect(p.links.jwt).toBe(valid.credential_jwt);
      const li = new URL(p.links.linkedin!);
      expect(li.origin + li.pathname).toBe('https://www.linkedin.com/profile/add');
      expect(Object.fromEntries(li.searchParams)).toMatchObject({
        startTask: 'CERTIFICATION_NAME',
        name: 'Teamwork',
        organizationName: 'Acme Academy',
        issueYear: String(new Date(valid.issuedOn).getUTCFullYear()),
        issueMonth: String(new Date(valid.issuedOn).getUTCMonth() + 1),
        certUrl: valid.verification_url,
        certId: valid.entityId,
      });
      // The links the page offers answer.
      expect((await f.get(p.links.json!)).status).toBe(200);
      expect((await f.get(p.links.jwt!)).status).toBe(200);
      // Phone width: same content, a screenshot to look at.
      const phone = await open(`${f.svc.url}/api/credentials/public/assertions/${valid.entityId}/`, 'valid-phone', 375);
      expect(phone.status).toBe('Verified');
    });

    it('an expired assertion: Expired', async () => {
      await waitForExpiry();
      const p = await open(expiring.verification_url, 'expired');
      expect(p.status).toBe('Expired');
      expect(p.text).toMatch(/has expired/);
      expect(p.text).toContain('Sue Student');
      expect(p.links.linkedin).toContain('expirationYear=');
    });

    it('a revoked assertion: Revoked with the reason, no downloads', async () => {
      const p = await open(revoked.verification_url, 'revoked');
      expect(p.status).toBe('Revoked');
      expect(p.text).toContain('Awarded in error');
      expect(p.links.pdf).toBeUndefined();
      expect(p.links.linkedin).toBeUndefined();
    });
  });
});
