/**
 * Certificates printed together (certificate-batches.ts) against real Chromium: a busy pool merges
 * default-template certificates into one print, and each PDF that comes out is its own certificate
 * as it prints alone — one page, its own name only, the same pixels, and fonts that carry nothing
 * of the others; a batch that does not split one page per certificate is printed again one by one,
 * and a certificate at fault fails alone.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateBatches, isolatePage, type Stacking } from '../../../src/rendering/certificate-batches.js';
import { RenderLimitError, RenderRetryableError } from '../../../src/rendering/errors.js';
import { splitPages } from '../../../src/rendering/pdf-pages.js';
import { countPdfPages, createRenderer, type Renderer } from '../../../src/rendering/renderer.js';
import { DEFAULT_TEMPLATE_STACK_CSS, defaultCertificateTemplate } from '../../../src/template/default-template.js';
import { renderTemplate } from '../../../src/template/template.js';
import { embeddedFonts, fontGlyphs, pageNames } from '../../support/pdf-fonts.js';
import { meanPixelDiff } from '../../support/pdf-pixels.js';
import { IMAGES_PREFIX, makeLoadAsset, sampleContext } from './fixtures.js';

// distinct names, several with letters no other has: where a glyph ends up shows whose it is
const NAMES = ['Łukasz Ą', 'Zoë Quill', 'Søren Vex', 'Björk Yue', 'Ada Jinx', 'Kurt Øwl', 'Émile Fyz', 'Hedy Ğü'];
const name = (i: number) => `${NAMES[i % NAMES.length]} ${i}`;
const t = defaultCertificateTemplate();
const merge = async (i: number) =>
  renderTemplate(t.htmlTemplate, t.cssTemplate, await sampleContext({ recipientName: name(i), i }));
const stack: Stacking = { group: 'org-1', stackCss: DEFAULT_TEMPLATE_STACK_CSS };
const textOf = (dir: string, pdf: Uint8Array) => {
  writeFileSync(path.join(dir, 't.pdf'), pdf);
  return execFileSync('pdftotext', [path.join(dir, 't.pdf'), '-'], { encoding: 'utf8' });
};

let renderer: Renderer;
let dir: string;
beforeAll(async () => {
  // one page: every request after the first finds the only lane busy
  renderer = createRenderer({ assetPrefix: IMAGES_PREFIX, loadAsset: makeLoadAsset(), pages: 1 });
  await renderer.warmUp();
  dir = mkdtempSync(path.join(os.tmpdir(), 'bw-batches-'));
}, 60_000);
afterAll(async () => {
  await renderer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('certificates printed together', () => {
  it('a busy pool merges them; each PDF is its own certificate as printed alone', async () => {
    const batches = certificateBatches(renderer, { maxBatch: 5, lanes: 1 });
    const docs = await Promise.all(Array.from({ length: 11 }, (_, i) => merge(i)));
    const pdfs = await Promise.all(
      docs.map((d, i) => batches.renderPdf(d.html, d.css, { label: `org-1/a${i}`, stack })),
    );
    // the first found the lane free and printed alone; the other ten waited and went two by five
    expect(batches.stats()).toEqual({ batches: 2, batchedPdfs: 10, fallbacks: 0 });
    for (const [i, pdf] of pdfs.entries()) {
      expect(await countPdfPages(pdf)).toBe(1);
      const text = textOf(dir, pdf);
      expect(text).toContain(name(i));
      expect(NAMES.map((_, j) => name(j)).filter((n, j) => j !== i && text.includes(n))).toEqual([]);
    }
    // against the same certificates printed alone, one of each batch and a page past the first
    for (const i of [1, 4, 6, 10]) {
      const alone = await renderer.renderPdf(docs[i].html, docs[i].css);
      expect(meanPixelDiff(dir, pdfs[i], alone)).toBeLessThan(0.5);
      expect(meanPixelDiff(dir, pdfs[i], alone, 'mupdf')).toBeLessThan(0.5);
      // no font carries a glyph the certificate alone does not (alone, Skia's subset keeps a few
      // more than are drawn: its layout closure)
      const [mine, solo] = [await fontGlyphs(pdfs[i]), await fontGlyphs(alone)];
      expect([...mine.keys()].sort()).toEqual([...solo.keys()].sort());
      for (const [font, glyphs] of mine) expect([...glyphs].filter((g) => !solo.get(font)!.has(g))).toEqual([]);
      // and the fonts are byte for byte those of the certificate alone, isolated the same way, under
      // the same subset tags; the page's resources have the same names (nothing counts the others)
      const [isolatedAlone] = await splitPages(alone, isolatePage);
      expect(await embeddedFonts(pdfs[i])).toEqual(await embeddedFonts(isolatedAlone));
      expect(await pageNames(pdfs[i])).toEqual(await pageNames(isolatedAlone));
    }
  }, 120_000);

  it('templates that do not stack, and other orgs, are never merged', async () => {
    const batches = certificateBatches(renderer, { maxBatch: 5, lanes: 1 });
    const docs = await Promise.all(Array.from({ length: 6 }, (_, i) => merge(i)));
    const pdfs = await Promise.all(
      docs.map((d, i) =>
        batches.renderPdf(d.html, d.css, {
          label: `org-${i % 3}/b${i}`,
          // org-0 without a stacking rule; org-1 and org-2 each with one
          stack: i % 3 === 0 ? undefined : { ...stack, group: `org-${i % 3}` },
        }),
      ),
    );
    // org-1: 1 and 4 merge; org-2: 2 and 5 merge; 0 and 3 print alone
    expect(batches.stats()).toEqual({ batches: 2, batchedPdfs: 4, fallbacks: 0 });
    for (const [i, pdf] of pdfs.entries()) expect(textOf(dir, pdf)).toContain(name(i));
  }, 60_000);

  it('a batch that does not split one page per certificate is printed again one by one; a certificate at fault fails alone', async () => {
    const batches = certificateBatches(renderer, { maxBatch: 5, lanes: 1 });
    // a stacking rule that does not stack: short certificates all land on one page
    const bad: Stacking = { group: 'org-1', stackCss: '' };
    const css = '@page { size: A5; margin: 10mm } body { font: 14pt sans-serif }';
    const html = (i: number) =>
      i === 3 ? `<p>too long ${i}</p>${'<p style="height: 190mm">page</p>'.repeat(12)}` : `<p>short ${i}</p>`;
    const results = await Promise.allSettled(
      [0, 1, 2, 3, 4].map((i) => batches.renderPdf(html(i), css, { label: `org-1/c${i}`, stack: bad })),
    );
    expect(batches.stats()).toEqual({ batches: 0, batchedPdfs: 0, fallbacks: 1 });
    for (const [i, r] of results.entries()) {
      if (i === 3) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RenderLimitError);
        expect((r as PromiseRejectedResult).reason.reason).toBe('page_limit');
        continue;
      }
      expect(r.status).toBe('fulfilled');
      const pdf = (r as PromiseFulfilledResult<Buffer>).value;
      expect(await countPdfPages(pdf)).toBe(1);
      const text = textOf(dir, pdf);
      expect(text).toContain(`short ${i}`);
      expect([0, 1, 2, 4].filter((j) => j !== i && text.includes(`short ${j}`))).toEqual([]);
    }
  }, 60_000);

  it('an image named by every certificate of a batch is written in while it fits the document, else fetched: drawn on every page', async () => {
    // noise does not compress: ~1.2 MB, inlined alone (≤ 2 MB), too big to write in 9 times (8 MB a document)
    const png = new PNG({ width: 560, height: 560 });
    png.data.set(randomBytes(png.data.length));
    const big = { body: PNG.sync.write(png), contentType: 'image/png' };
    expect(big.body.length).toBeGreaterThan(1_000_000);
    const own = createRenderer({
      assetPrefix: IMAGES_PREFIX,
      loadAsset: makeLoadAsset({ 'org-1/noise.png': big }),
      pages: 1,
      printResolutionImages: false,
    });
    try {
      const batches = certificateBatches(own, { maxBatch: 10, lanes: 1 });
      const css =
        '@page { size: A5; margin: 0 } body { margin: 0 } .c { height: 200mm; overflow: hidden } img { width: 50mm }';
      const html = (i: number) => `<div class="c"><p>noise ${i}</p><img src="${IMAGES_PREFIX}org-1/noise.png"></div>`;
      const stackCss = '.c { break-after: page }';
      const pdfs = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          batches.renderPdf(html(i), css, { label: `org-1/e${i}`, stack: { group: 'org-1', stackCss } }),
        ),
      );
      expect(batches.stats()).toMatchObject({ batches: 1, batchedPdfs: 9 });
      // written in for the one alone; fetched for the nine together
      expect(own.stats().assetsInlined).toBe(1);
      for (const [i, pdf] of pdfs.entries()) {
        writeFileSync(path.join(dir, 'n.pdf'), pdf);
        const images = execFileSync('pdfimages', ['-list', path.join(dir, 'n.pdf')], { encoding: 'utf8' });
        expect(images.split('\n').filter((l) => /^\s*1\s+\d+\s+image\s+560\s+560\b/.test(l))).toHaveLength(1);
        expect(textOf(dir, pdf)).toContain(`noise ${i}`);
      }
    } finally {
      await own.close();
    }
  }, 60_000);

  it('maxBatch 1 prints every certificate alone, one print each', async () => {
    const batches = certificateBatches(renderer, { maxBatch: 1, lanes: 1 });
    const docs = await Promise.all([0, 1, 2].map(merge));
    const before = renderer.stats().pdfs;
    await Promise.all(docs.map((d, i) => batches.renderPdf(d.html, d.css, { label: `org-1/d${i}`, stack })));
    expect(renderer.stats().pdfs - before).toBe(3);
    expect(batches.stats()).toEqual({ batches: 0, batchedPdfs: 0, fallbacks: 0 });
  }, 60_000);

  it('a waiting render of higher priority goes first; at close, what waits fails as retryable', async () => {
    const batches = certificateBatches(renderer, { maxBatch: 5, lanes: 1 });
    const css = '@page { size: A6; margin: 5mm }';
    const order: string[] = [];
    const pdf = (name: string, priority: number) =>
      batches.renderPdf(`<p>${name}</p>`, css, { label: `org-1/${name}`, priority }).then(() => order.push(name));
    // the first takes the only lane; then a bulk's (10), a person's download (1), a re-render (20)
    await Promise.all([pdf('first', 10), pdf('bulk', 10), pdf('download', 1), pdf('rerender', 20)]);
    expect(order).toEqual(['first', 'download', 'bulk', 'rerender']);

    const running = batches.renderPdf('<p>running</p>', css, { label: 'org-1/r' });
    const waiting = batches.renderPng('<p>waiting</p>', css, { label: 'org-1/w' }).catch((e: unknown) => e);
    batches.close();
    await expect(running).resolves.toBeInstanceOf(Buffer);
    expect(await waiting).toBeInstanceOf(RenderRetryableError);
    await expect(batches.renderPdf('<p>late</p>', css, { label: 'org-1/l' })).rejects.toMatchObject({
      reason: 'renderer_closed',
    });
  }, 60_000);
});
