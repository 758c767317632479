import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { DB_KINDS } from '../../support/databases.js';
import { startIssuanceService, verifyJwtIndependently, type IssuanceFixture } from '../issuance/issuance-fixture.js';
import { readPdfCredential } from '../../../src/openbadges/pdf-credential.js';
import { readBakedPng, readBakedSvg } from '../../../src/openbadges/baking.js';
import { renderKey } from '../../../src/rendering/render-files.js';
import { createStoreRenderer, renderService, storeAssetLoader } from '../../../src/rendering/render-service.js';
import { findChromium } from '../../../src/embedded/chromium.js';
import type { FileStore } from '../../../src/storage/file-store.js';
import { waitForStored as waitForStoredIn } from '../../support/stored-files.js';
import { renderBatches } from '../../../src/metrics/domain-metrics.js';

/** A small opaque PNG (the badge image of one credential). */
function iconPng(size = 64): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) png.data.set([200, 40, 40, 255], i * 4);
  return PNG.sync.write(png);
}

/** width×height of every raster image of a PDF (pdfimages -list). */
function pdfImageSizes(pdf: Buffer): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bw-pdf-'));
  try {
    writeFileSync(path.join(dir, 'c.pdf'), pdf);
    const list = execFileSync('pdfimages', ['-list', path.join(dir, 'c.pdf')], { encoding: 'utf8' });
    return list
      .split('\n')
      .filter((l) => /^\s*\d+\s+\d+\s+image\b/.test(l))
      .map((l) => l.trim().split(/\s+/).slice(3, 5).join('x'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bw-pdf-'));
  try {
    writeFileSync(path.join(dir, 'c.pdf'), pdf);
    return execFileSync('pdftotext', ['-layout', path.join(dir, 'c.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function download(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe.each(DB_KINDS)('rendered files: certificate PDF/PNG, baked badges, on demand (%s)', (db) => {
  let f: IssuanceFixture;
  let credentialId: string;
  let plainCredentialId: string;
  let samAssertion: string;
  let icon: string;
  const rt = () => f.svc.service.runtime;
  const file = (id: string, name: string) => `${f.svc.url}/api/credentials/public/assertions/${id}/${name}`;
  const storedJwt = async (id: string) =>
    (await rt().db.selectFrom('assertions').select('credential_jwt').where('id', '=', id).executeTakeFirstOrThrow())
      .credential_jwt;
  const templateVersion = async (id: string) =>
    (await rt().db.selectFrom('credentials').select('template_version').where('id', '=', id).executeTakeFirstOrThrow())
      .template_version;

  const waitForStored = (key: string, ms = 30_000) => waitForStoredIn(rt().files, key, ms);

  beforeAll(async () => {
    f = await startIssuanceService(db, { ISSUE_WAIT_MS: '10000', RENDER_PAGES: '2', WORKERS: 'issuance,render' });
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(iconPng())], { type: 'image/png' }), 'teamwork.png');
    form.append('name', 'Teamwork badge');
    const up = await fetch(`${f.svc.url}/api/credentials/orgs/acme/users/alice/images/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.tokens.alice}` },
      body: form,
    });
    expect(up.status).toBe(201);
    icon = ((await up.json()) as { image: string }).image;
    const issuerId = await f.issuer();
    credentialId = await f.credential(issuerId, { name: 'Teamwork Excellence', icon_image: icon });
    // An external image is never fetched: this credential gets the default (SVG) badge.
    plainCredentialId = await f.credential(issuerId, { name: 'Plain Badge' });
  }, 60_000);
  afterAll(() => f?.svc.stop());

  const issue = async (credential: string, user: string) => {
    const r = await f.as('alice')('POST', `/${credential}/assertions/`, { body: { recipient: { user_id: user } } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.result.entityId as string;
  };

  it('the render job of a single issue is processed by the worker: PDF, PNG and badge land in the store', async () => {
    samAssertion = await issue(credentialId, 'sam');
    for (const name of ['certificate.pdf', 'badge.png', 'certificate.png'] as const) {
      await waitForStored(renderKey('acme', samAssertion, 1, name));
    }
  }, 60_000);

  it("a fresh job's first try renders without asking the store; other jobs keep the files already stored", async () => {
    const queue = rt().queues.render;
    const events = rt().queues.renderEvents();
    await events.waitUntilReady();
    const files = ['certificate.pdf', 'badge.png'] as const;
    const data = { org: 'acme', requestedBy: 'test', assertionId: samAssertion, files: [...files] };
    const run = async (jobId: string, fresh: boolean) =>
      (await (await queue.add('render', { ...data, fresh }, { jobId })).waitUntilFinished(events, 60_000)) as {
        rendered: string[];
        existing: string[];
      };
    const asking = await run(`test-asking-${samAssertion}`, false);
    expect(asking).toMatchObject({ rendered: [], existing: [...files] });
    const fresh = await run(`test-fresh-${samAssertion}`, true);
    expect(fresh.existing).toEqual([]);
    expect(fresh.rendered).toEqual(expect.arrayContaining([...files]));
    // The overwrite is a whole, valid certificate of the same assertion.
    const pdf = (await rt().files.get(renderKey('acme', samAssertion, 1, 'certificate.pdf')))!.body;
    expect((await readPdfCredential(pdf)).jwt).toBe(await storedJwt(samAssertion));
  }, 120_000);

  it('a job that asked the store first keeps a file another wrote while it rendered', async () => {
    const store = rt().files;
    const key = renderKey('acme', samAssertion, 1, 'certificate.pdf');
    const original = (await store.get(key))!.body;
    await store.delete(key);
    const raced = Buffer.from('%PDF-1.7 written by the other job');
    let checks = 0;
    // The real store; another writer lands the file right after the job's first question.
    const files = Object.create(store, {
      exists: {
        value: async (k: string) => {
          const there = await store.exists(k);
          if (k === key && checks++ === 0) await store.put(key, raced);
          return there;
        },
      },
    }) as FileStore;
    const deps = { db: rt().db, files, urls: rt().urls };
    const renderer = createStoreRenderer(deps, { executablePath: findChromium(), pages: 1 });
    try {
      const { assertionRepo, catalogRepo } = rt().repos;
      const outcome = await renderService({ ...deps, assertionRepo, catalogRepo, renderer }).render(samAssertion, [
        'certificate.pdf',
      ]);
      expect(outcome).toMatchObject({ rendered: [], existing: ['certificate.pdf'] });
      expect((await store.get(key))!.body).toEqual(raced);
    } finally {
      await renderer.close();
      await store.put(key, original);
    }
  }, 60_000);

  it('serves the PDF: recipient and credential names in its text, the stored VC-JWT attached, caching headers, 304', async () => {
    const r = await download(file(samAssertion, 'certificate.pdf'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/pdf');
    expect(r.headers.get('cache-control')).toBe('public, max-age=300');
    expect(r.headers.get('content-disposition')).toBe('inline; filename="teamwork-excellence-sam-student.pdf"');
    const etag = r.headers.get('etag')!;
    expect(etag).toMatch(/^"v1-[A-Za-z0-9_-]+"$/);
    const text = pdfText(r.body);
    expect(text).toContain('Sam Student');
    expect(text).toContain('Teamwork Excellence');
    // the credential's stored image (64×64, from the store, in Node) is drawn as the seal
    expect(pdfImageSizes(r.body)).toContain('64x64');
    const embedded = await readPdfCredential(r.body);
    expect(embedded.jwt).toBe(await storedJwt(samAssertion));
    expect(embedded.verificationUrl).toBe(rt().urls.verificationPage(samAssertion));

    const again = await download(file(samAssertion, 'certificate.pdf'), { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect((await download(file(samAssertion, 'certificate.pdf'), { 'if-none-match': '"v1-other"' })).status).toBe(200);
  });

  it('serves the PNG at 2x A4 landscape', async () => {
    const r = await download(file(samAssertion, 'certificate.png'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    expect(r.headers.get('content-disposition')).toBe('inline; filename="teamwork-excellence-sam-student.png"');
    const png = PNG.sync.read(r.body);
    // A4 landscape is 297 × 210 mm = 1123 × 794 CSS px (rounded), at scale 2
    expect([png.width, png.height]).toEqual([2246, 1588]);
  });

  it('bakes the uploaded PNG badge: its chunk holds the stored JWT, which verifies against its kid, and the OB 2.0 URL', async () => {
    const r = await download(file(samAssertion, 'badge.png'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    const png = PNG.sync.read(r.body);
    expect([png.width, png.height]).toEqual([64, 64]);
    const baked = readBakedPng(r.body);
    expect(baked.ob3Jwt).toBe(await storedJwt(samAssertion));
    const { payload } = await verifyJwtIndependently(baked.ob3Jwt!);
    expect(payload.jti).toBe(rt().urls.credentialJson(samAssertion));
    expect(baked.ob2).toBe(rt().urls.ob2Assertion(samAssertion));
    // A PNG badge image has no SVG form.
    expect((await download(file(samAssertion, 'badge.svg'))).status).toBe(404);
  });

  it('downloads wait for their file; a credential without a stored image gets the default SVG badge, baked as SVG and as PNG', async () => {
    const id = await issue(plainCredentialId, 'sue');
    // Downloads wait for their file, whatever the worker is doing.
    const [svg, png] = await Promise.all([download(file(id, 'badge.svg')), download(file(id, 'badge.png'))]);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(readBakedSvg(svg.body).ob3Jwt).toBe(await storedJwt(id));
    expect(png.status).toBe(200);
    const decoded = PNG.sync.read(png.body);
    expect([decoded.width, decoded.height]).toEqual([512, 512]);
    expect(readBakedPng(png.body).ob3Jwt).toBe(await storedJwt(id));
    expect(readBakedPng(png.body).ob2).toBe(rt().urls.ob2Assertion(id));
  }, 60_000);

  it("a download of a bulk's certificate waits for its issue's render, raised to the front, instead of rendering it again", async () => {
    const queue = rt().queues.render;
    const bulkCredential = await f.credential(await f.issuer(), { name: 'Bulk Downloads', icon_image: icon });
    const users = Array.from({ length: 100 }, (_, i) => ({ user_id: `dl${i}`, email: `dl${i}@example.org` }));
    const bulk = await f.as('alice')('POST', `/${bulkCredential}/assertions/bulk/`, { body: { users } });
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(201);
    const { id } = await rt()
      .db.selectFrom('assertions')
      .select('id')
      .where('credential_id', '=', bulkCredential)
      .where('recipient_user_id', '=', 'dl99')
      .executeTakeFirstOrThrow();
    const own = await queue.getJob(`render-${id}`);
    // Queued behind the 99 others at bulk priority: the case this is about.
    expect(await own!.getState()).toBe('prioritized');
    const pdf = await download(file(id, 'certificate.pdf'));
    expect(pdf.status).toBe(200);
    // Rendered by the issue's job, ahead of the bulk's others, and by no second job.
    expect(await own!.getState()).toBe('completed');
    expect((await queue.getJob(own!.id!))!.returnvalue).toMatchObject({
      rendered: expect.arrayContaining(['certificate.pdf']),
    });
    expect(
      await queue.getJob(`render-${id}-v${await templateVersion(bulkCredential)}-certificate-pdf`),
    ).toBeUndefined();
    expect((await queue.getJobCounts('prioritized')).prioritized).toBeGreaterThan(0);
    // The file served is the one that stays.
    expect((await download(file(id, 'certificate.pdf'), { 'if-none-match': pdf.headers.get('etag')! })).status).toBe(
      304,
    );
    // The bulk's other renders would hold up the re-render test's after this one.
    const rest = await rt()
      .db.selectFrom('assertions')
      .select('id')
      .where('credential_id', '=', bulkCredential)
      .execute();
    for (const { id: other } of rest) await (await queue.getJob(`render-${other}`))?.remove().catch(() => undefined);
  }, 120_000);

  it("a bulk's certificates print several at a time; each stored PDF is its own: its recipient only, its credential", async () => {
    const printed = async () =>
      (await renderBatches.get()).values.find((v) => v.labels.outcome === 'printed')?.value ?? 0;
    const before = await printed();
    const bulkCredential = await f.credential(await f.issuer(), { name: 'Batched Bulk', icon_image: icon });
    // names (the user ids) none of which is part of another
    const users = Array.from({ length: 40 }, (_, i) => ({ user_id: `bq${i}z`, email: `bq${i}z@example.org` }));
    const bulk = await f.as('alice')('POST', `/${bulkCredential}/assertions/bulk/`, { body: { users } });
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(201);
    const rows = await rt()
      .db.selectFrom('assertions')
      .select(['id', 'recipient_user_id', 'credential_jwt'])
      .where('credential_id', '=', bulkCredential)
      .execute();
    expect(rows).toHaveLength(40);
    const version = await templateVersion(bulkCredential);
    for (const a of rows) {
      const key = renderKey('acme', a.id, version, 'certificate.pdf');
      await waitForStored(key, 60_000);
      const pdf = (await rt().files.get(key))!.body;
      const text = pdfText(pdf);
      expect(text).toContain(a.recipient_user_id);
      expect(users.map((u) => u.user_id).filter((u) => u !== a.recipient_user_id && text.includes(u))).toEqual([]);
      expect((await readPdfCredential(pdf)).jwt).toBe(a.credential_jwt);
    }
    // two pages, 40 jobs: once the worker saw them stack it ran many at once, and those that waited
    // for a page printed together
    expect(await printed()).toBeGreaterThan(before);
  }, 120_000);

  it('an issuer without email (OB 2.0 requires one): the badge carries the OB 3.0 credential and no OB 2.0 link', async () => {
    const noMail = await f.issuer({ name: 'No Mail Institute', email: undefined });
    const id = await issue(await f.credential(noMail, { name: 'Mailless Badge' }), 'sue');
    const png = await download(file(id, 'badge.png'));
    expect(png.status).toBe(200);
    const baked = readBakedPng(png.body);
    expect(baked.ob3Jwt).toBe(await storedJwt(id));
    expect(baked.ob2).toBeUndefined();
  }, 60_000);

  it('a template change gives the next download a new ETag and the new content; re-render queues the live assertions', async () => {
    const before = await download(file(samAssertion, 'certificate.pdf'));
    const put = await f.as('alice')('PUT', `/${credentialId}`, {
      body: {
        html_template: '<main><h1>Changed layout for {{recipient.name}}</h1><p>{{credential.name}}</p></main>',
        css_template: '@page { size: A4 landscape; margin: 0; } h1 { font-size: 30pt; }',
      },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(await templateVersion(credentialId)).toBe(2);
    const after = await download(file(samAssertion, 'certificate.pdf'));
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).toMatch(/^"v2-/);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    expect(pdfText(after.body)).toContain('Changed layout for Sam Student');
    expect(pdfText(before.body)).not.toContain('Changed layout');

    // v3: a new name is a new version too (the certificate shows it).
    expect(
      (await f.as('alice')('PUT', `/${credentialId}`, { body: { name: 'Renamed Badge' } })).body.result
        .template_version,
    ).toBe(3);
    const renamed = await download(file(samAssertion, 'certificate.pdf'));
    expect(renamed.headers.get('etag')).toMatch(/^"v3-/);
    expect(pdfText(renamed.body)).toContain('Renamed Badge');

    // v4, then an explicit re-render (v5): the file appears without any download asking for it.
    const put3 = await f.as('alice')('PUT', `/${credentialId}`, {
      body: { html_template: '<p>Third {{recipient.name}}</p>' },
    });
    expect(put3.status).toBe(200);
    expect((await f.as('sam')('POST', `/${credentialId}/render`)).status).toBe(403);
    expect((await f.as('gina')('POST', `/${credentialId}/render`)).status).toBe(404);
    const rr = await f.as('alice')('POST', `/${credentialId}/render`);
    expect(rr.status, JSON.stringify(rr.body)).toBe(202);
    expect(rr.body.result).toEqual({ count: 1, template_version: 5 });
    await waitForStored(renderKey('acme', samAssertion, 5, 'certificate.pdf'));
    const v3 = await download(file(samAssertion, 'certificate.pdf'));
    expect(pdfText(v3.body)).toContain('Third Sam Student');
  }, 60_000);

  it('a template over the page limit fails its job for good with the reason; the download answers 503', async () => {
    const tall = await f.credential(await f.issuer({ name: 'Tall Issuer' }), {
      name: 'Too Long',
      html_template: '<div class="tall">{{recipient.name}}</div>',
      css_template: '@page { size: A4 landscape; margin: 0; } .tall { height: 3000mm; }',
    });
    const id = await issue(tall, 'sue');
    // The first download waits for the issue's own render when it is still queued (else runs its
    // own); a download after that failure runs its own job once.
    for (let i = 0; i < 2; i++) {
      const r = await fetch(file(id, 'certificate.pdf'));
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
      expect(((await r.json()) as { status: { description: string } }).status.description).toMatch(/page_limit/);
    }
    expect(await (await rt().queues.render.getJob(`render-${id}`))!.getState()).toBe('failed');
    const job = await rt().queues.render.getJob(`render-${id}-v1-certificate-pdf`);
    expect(await job!.getState()).toBe('failed');
    expect(job!.attemptsMade).toBe(1); // unrecoverable: not retried
    // Asking again answers from the failed job: no public request re-runs a template at fault.
    const finishedOn = job!.finishedOn;
    const again = await fetch(file(id, 'certificate.pdf'));
    expect(again.status).toBe(503);
    expect(((await again.json()) as { status: { description: string } }).status.description).toMatch(/page_limit/);
    expect((await rt().queues.render.getJob(`render-${id}-v1-certificate-pdf`))!.finishedOn).toBe(finishedOn);
  }, 60_000);

  it('a recipient known only by email is not named by that address on the public certificate', async () => {
    const r = await f.as('alice')('POST', `/${plainCredentialId}/assertions/`, {
      body: { recipient: { email: 'private.person@example.com' } },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const pdf = await download(file(r.body.result.entityId, 'certificate.pdf'));
    expect(pdf.status).toBe(200);
    expect(pdfText(pdf.body)).not.toMatch(/private\.person/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bw-pdf-'));
    writeFileSync(path.join(dir, 'c.pdf'), pdf.body);
    const info = execFileSync('pdfinfo', [path.join(dir, 'c.pdf')], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(info).toMatch(/Title:\s+Plain Badge — Recipient/);
  }, 60_000);

  it('revoked → 404 with the reason; unknown → 404', async () => {
    const r = await f.as('alice')('PUT', `/assertions/${samAssertion}`, {
      body: { revoked: true, revocationReason: 'Awarded in error' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    for (const name of ['certificate.pdf', 'certificate.png', 'badge.png']) {
      const res = await fetch(file(samAssertion, name));
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ revocationReason: 'Awarded in error' });
    }
    expect((await download(file('no-such-assertion', 'certificate.pdf'))).status).toBe(404);
  });

  it("a render loads only its own org's stored images, from the store", async () => {
    const load = storeAssetLoader({ db: rt().db, files: rt().files, urls: rt().urls });
    const own = await load(icon, { headers: {}, label: 'acme/some-assertion' });
    expect(own?.contentType).toBe('image/png');
    expect(Buffer.from(own!.body).equals(iconPng())).toBe(true);
    expect(await load(icon, { headers: {}, label: 'globex/other-assertion' })).toBeNull();
    expect(await load(`${rt().urls.imagesPrefix}images/acme/missing.png`, { headers: {}, label: 'acme/x' })).toBeNull();
    expect(await load('http://127.0.0.1:1/x.png', { headers: {}, label: 'acme/x' })).toBeNull();
  });

  it('stopping the service leaves no Chromium process behind', async () => {
    const children = () =>
      execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => /chrom/i.test(l));
    expect(children().length).toBeGreaterThan(0);
    await f.svc.stop();
    expect(children()).toEqual([]);
  }, 30_000);
});
