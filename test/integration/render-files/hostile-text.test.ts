/**
 * Hostile text through the whole service (real Chromium, real store, the public routes):
 * - script URLs, from a merged field value and from a template stored before the checks knew
 *   its spelling, never become a JavaScript link action in the issued PDF;
 * - a U+202E in a recipient name does not reach the page title, the OpenGraph/meta tags or the
 *   PDF title, and the name in the page body is isolated in a <bdi>.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHTML } from 'entities';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFString } from 'pdf-lib';
import { DB_KINDS } from '../../support/databases.js';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';
import { renderKey } from '../../../src/rendering/render-files.js';
import { waitForStored as waitForStoredIn } from '../../support/stored-files.js';

const RLO = '\u202e';
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;

/** Every link annotation's action of a PDF: its type (/URI, /JavaScript, …) and its URI or script. */
async function linkActions(pdf: Buffer): Promise<{ type: string; value: string }[]> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const text = (o: unknown) => (o instanceof PDFString || o instanceof PDFHexString ? o.decodeText() : String(o ?? ''));
  const out: { type: string; value: string }[] = [];
  for (const page of doc.getPages()) {
    const annots = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray);
    for (let i = 0; i < (annots?.size() ?? 0); i++) {
      const annot = annots!.lookup(i, PDFDict);
      const action = annot.lookupMaybe(PDFName.of('A'), PDFDict);
      if (!action) continue;
      const type = String(action.get(PDFName.of('S')));
      out.push({ type, value: text(action.lookup(PDFName.of(type === '/URI' ? 'URI' : 'JS'))) });
    }
  }
  return out;
}

async function download(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

describe.each(DB_KINDS)('hostile text in issued certificates and on the page (%s)', (db) => {
  let f: IssuanceFixture;
  let issuerId: string;
  const rt = () => f.svc.service.runtime;
  const file = (id: string, name: string) => `${f.svc.url}/api/credentials/public/assertions/${id}/${name}`;

  const waitForStored = (key: string, ms = 60_000) => waitForStoredIn(rt().files, key, ms);

  beforeAll(async () => {
    f = await startIssuanceService(db, { ISSUE_WAIT_MS: '10000', RENDER_PAGES: '2', WORKERS: 'issuance,render' });
    issuerId = await f.issuer();
  }, 60_000);
  afterAll(() => f?.svc.stop());

  it('a script URL in a field value or an old stored template is no JavaScript link in the PDF; a web link stays', async () => {
    const html =
      '<h1>{{recipient.name}}</h1><p><a href="{{fields.portfolio}}">Portfolio</a> ' +
      '<a href="https://example.edu/catalog">Catalog</a> <a href="{{fields.site}}">Site</a></p>';
    const credentialId = await f.credential(issuerId, {
      name: 'Linked',
      html_template: html,
      css_template: 'a { display: inline-block; padding: 20px }',
    });
    // A template stored before the checks read &Tab; (the API refuses it now): the render path still defuses it.
    const stored =
      `${html}<p><a href="java&Tab;script:alert(2)">old1</a> <a href="&#106;avascript:alert(3)">old2</a> ` +
      '<svg width="200" height="40"><a xlink:href="java&NewLine;script:alert(4)"><text x="5" y="20">old3</text></a></svg></p>';
    const refused = await f.as('alice')('PUT', `/${credentialId}`, { body: { html_template: stored } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/javascript: URLs are not allowed/);
    await rt().db.updateTable('credentials').set({ html_template: stored }).where('id', '=', credentialId).execute();

    const r = await f.as('alice')('POST', `/${credentialId}/assertions/`, {
      body: {
        recipient: { user_id: 'sam' },
        fields: { portfolio: 'java\tscript:alert(1)', site: 'https://portfolio.example/sam' },
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const id = r.body.result.entityId as string;
    await waitForStored(renderKey('acme', id, 1, 'certificate.pdf'));
    const pdf = await download(file(id, 'certificate.pdf'));
    expect(pdf.status).toBe(200);

    const actions = await linkActions(pdf.body);
    // the safe links made it into the PDF: the inspection sees links at all
    expect(actions).toEqual(
      expect.arrayContaining([
        { type: '/URI', value: 'https://example.edu/catalog' },
        { type: '/URI', value: 'https://portfolio.example/sam' },
      ]),
    );
    expect(actions.filter((a) => a.type !== '/URI')).toEqual([]);
    expect(
      actions.filter((a) => /^(javascript|vbscript):/.test(a.value.replace(/[\p{Cc}\p{Cf}\p{Z}]/gu, '').toLowerCase())),
    ).toEqual([]);
    // nor anywhere in the file's bytes
    expect(pdf.body.toString('latin1')).not.toMatch(/\/JavaScript|\/JS\s*\(/);
  }, 90_000);

  it('a U+202E in a recipient name: stripped from the title, OpenGraph and meta tags and the PDF title; isolated in the body', async () => {
    const credentialId = await f.credential(issuerId, { name: 'Bidi Safety' });
    const name = `Ada ${RLO}gpj.exe`;
    const r = await f.as('alice')('POST', `/${credentialId}/assertions/`, {
      body: { recipient: { user_id: 'sue', name } },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const id = r.body.result.entityId as string;

    const page = await fetch(`${f.svc.url}/v/${id}`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const head = html.slice(0, html.indexOf('</head>'));
    const title = /<title>([^<]*)<\/title>/.exec(head)?.[1] ?? '';
    expect(decodeHTML(title)).toBe('Verified: Bidi Safety — Ada gpj.exe');
    const metas = [...head.matchAll(/<meta (?:property|name)="([^"]+)" content="([^"]*)">/g)].map((m) => [
      m[1],
      decodeHTML(m[2]),
    ]);
    expect(Object.fromEntries(metas)).toMatchObject({
      'og:title': 'Bidi Safety — Ada gpj.exe',
      description: expect.stringContaining('to Ada gpj.exe on'),
      'og:description': expect.stringContaining('to Ada gpj.exe on'),
    });
    for (const [, content] of metas) expect(content).not.toMatch(BIDI);
    expect(head).not.toMatch(BIDI);
    // the body keeps the name as given, inside an isolate
    const recipient = /<strong data-field="recipient">(.*?)<\/strong>/.exec(html)?.[1];
    expect(recipient).toBe(`<bdi>Ada ${RLO}gpj.exe</bdi>`);
    const body = html.slice(html.indexOf('<body>'));
    for (const m of body.matchAll(new RegExp(RLO, 'g'))) {
      const before = body.slice(0, m.index);
      expect(before.lastIndexOf('<bdi')).toBeGreaterThan(before.lastIndexOf('</bdi>'));
    }

    await waitForStored(renderKey('acme', id, 1, 'certificate.pdf'));
    const pdf = await download(file(id, 'certificate.pdf'));
    const doc = await PDFDocument.load(pdf.body, { updateMetadata: false });
    expect(doc.getTitle()).toBe('Bidi Safety — Ada gpj.exe');
  }, 90_000);
});
