/**
 * Batch experiment (not a shipped path), second form: N certificates of one credential, each its own
 * document in an <iframe srcdoc> of one page-sized frame per sheet, printed with ONE printToPDF and
 * split with pdf-lib — against one printToPDF per certificate, on one browser page.
 *
 * Frames keep a template's own html/body rules (stacking markup in one body breaks templates that
 * size the body or position absolutely; batch.ts needed CSS written for the default template). Each
 * frame links the bundled fonts under URLs of its own (`?f=<k>`), so Chromium loads a typeface per
 * frame and Skia subsets each per frame: a split PDF then carries no other recipient's glyphs.
 * Checks, on every batch: the page count, which PDF objects two certificates' pages share (fonts must
 * not be), the text of each split PDF, and its pixels against the same certificate printed alone.
 *
 *   npx tsx bench/render/frames.ts [--n=1,10,20] [--certs=60]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HTTPRequest } from 'puppeteer-core';
import { PDFDict, PDFDocument, PDFName, PDFRef, PDFArray, type PDFObject } from 'pdf-lib';
import { defaultCertificateTemplate } from '../../src/template/default-template.js';
import { buildDocument, renderTemplate } from '../../src/template/template.js';
import { fontFaceCss, FONT_PREFIX } from '../../src/template/font-faces.js';
import { loadFont } from '../../src/rendering/fonts.js';
import { sampleContext } from '../../test/integration/rendering/fixtures.js';
import { assetPrefixes, EXE, launch, naiveOne, servedPage, serveAssets } from './naive.js';
import { groupCpuMs } from './proc-stats.js';
import { splitPages } from '../../src/rendering/pdf-pages.js';
import { meanPixelDiff } from '../../test/support/pdf-pixels.js';

const args = process.argv.slice(2);
const opt = (k: string, d: string) => args.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
const SIZES = opt('n', '1,10,20').split(',').map(Number);
const CERTS = Number(opt('certs', '60'));
const FIRST = ['Ada', 'Grace', 'Alan', 'Łukasz', 'Zoë', 'Søren', 'Björk', 'Emmy', 'Kurt', 'Hedy'];
const name = (i: number) => `${FIRST[i % FIRST.length]} Recipient ${String.fromCharCode(65 + (i % 26))}${i}`;

const t = defaultCertificateTemplate();
const merged = await Promise.all(
  Array.from({ length: CERTS }, async (_, i) =>
    renderTemplate(t.htmlTemplate, t.cssTemplate, await sampleContext({ recipientName: name(i), i })),
  ),
);
const fonts = fontFaceCss();
/** The bundled @font-face rules with every font URL made the frame's own. */
const fontsOf = (k: number) => fonts.replace(/(\.woff2)\)/g, `$1?f=${k})`);
const alone = (i: number) => buildDocument(merged[i].html, merged[i].css, { assetPrefixes, cspMeta: false });
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
/** The batch document: one A4-landscape frame per sheet. */
function framed(ids: number[]): string {
  const frames = ids.map((i, k) =>
    buildDocument(merged[i].html, merged[i].css, { assetPrefixes, cspMeta: false, fontCss: fontsOf(k) }),
  );
  return (
    '<!DOCTYPE html><html><head><style>@page{size:A4 landscape;margin:0}html,body{margin:0;padding:0}' +
    'iframe{display:block;border:0;width:297mm;height:210mm;break-after:page;overflow:hidden}</style></head><body>' +
    frames.map((d) => `<iframe scrolling="no" srcdoc="${esc(d)}"></iframe>`).join('') +
    '</body></html>'
  );
}

async function serve(req: HTTPRequest): Promise<void> {
  const url = req.url();
  if (!url.startsWith(FONT_PREFIX) || !url.includes('?')) return serveAssets(req);
  const plain = url.slice(0, url.indexOf('?'));
  // the same bytes under the frame's own URL
  const font = loadFont(plain);
  if (!font) return req.abort('blockedbyclient');
  await req.respond({ status: 200, contentType: font.contentType, body: font.body });
}

/** Every indirect object reachable from each page (not through /Parent): which pages share what. */
async function shared(pdf: Uint8Array): Promise<{ pages: number; sharedKinds: Map<string, number> }> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const owners = new Map<string, Set<number>>();
  const kinds = new Map<string, string>();
  doc.getPages().forEach((page, p) => {
    const seen = new Set<string>();
    const walk = (o: PDFObject | undefined) => {
      if (o instanceof PDFRef) {
        const key = o.toString();
        if (seen.has(key)) return;
        seen.add(key);
        (owners.get(key) ?? owners.set(key, new Set()).get(key)!).add(p);
        const target = doc.context.lookup(o);
        const dict = target instanceof PDFDict ? target : (target as { dict?: PDFDict } | undefined)?.dict;
        if (dict) {
          kinds.set(key, String(dict.get(PDFName.of('Type')) ?? dict.get(PDFName.of('Subtype')) ?? 'stream/dict'));
          walk(dict);
        } else walk(target);
      } else if (o instanceof PDFDict) {
        for (const [k, v] of o.entries()) if (k.toString() !== '/Parent') walk(v);
      } else if (o instanceof PDFArray) {
        for (const v of o.asArray()) walk(v);
      }
    };
    walk(page.node);
  });
  const sharedKinds = new Map<string, number>();
  for (const [key, pages] of owners) {
    if (pages.size < 2) continue;
    const kind = kinds.get(key) ?? '?';
    sharedKinds.set(kind, (sharedKinds.get(kind) ?? 0) + 1);
  }
  return { pages: doc.getPageCount(), sharedKinds };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'bw-frames-'));
const textOf = (pdf: Uint8Array) => {
  writeFileSync(path.join(dir, 't.pdf'), pdf);
  return execFileSync('pdftotext', [path.join(dir, 't.pdf'), '-'], { encoding: 'utf8' });
};

const browser = await launch();
const pid = browser.process()!.pid!;
try {
  const page = await servedPage(browser, serve);
  const print = async (html: string) => {
    await page.setContent(html, { waitUntil: 'load' });
    return page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: false, outline: false });
  };
  const solo = new Map<number, Uint8Array>();
  for (let i = 0; i < Math.min(CERTS, 20); i++) solo.set(i, await print(alone(i)));
  let naive = 0;
  for (let k = 0; k < 3; k++) naive += (await naiveOne(async () => merged[k], 'pdf', EXE)).ms;
  const naivePerS = 3000 / naive;
  console.log(
    `\nnaive (fresh ${path.basename(EXE)} per PDF): ${naivePerS.toFixed(1)} PDF/s · load ${os.loadavg()[0].toFixed(2)}`,
  );
  console.log(
    '| mode | certs/doc | Chromium CPU ms/cert | Node CPU ms/cert (split incl.) | CPU-bound certs/s on 2 cores | ÷ naive |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const mode of ['alone', 'frames'] as const) {
    for (const n of mode === 'alone' ? [1] : SIZES) {
      const batches = Math.floor(CERTS / n);
      const ids = (b: number) => Array.from({ length: n }, (_, k) => b * n + k);
      const job = async (b: number) =>
        mode === 'alone' ? [await print(alone(b))] : splitPages(await print(framed(ids(b))));
      await job(0); // warm
      const c0 = groupCpuMs(pid);
      const n0 = process.cpuUsage();
      for (let b = 0; b < batches; b++) await job(b);
      const nu = process.cpuUsage(n0);
      const certs = batches * n;
      const chromiumMs = (groupCpuMs(pid) - c0) / certs;
      const nodeMs = (nu.user + nu.system) / 1000 / certs;
      const rate = 2000 / (chromiumMs + nodeMs);
      console.log(
        `| ${mode} | ${n} | ${chromiumMs.toFixed(1)} | ${nodeMs.toFixed(1)} | ${rate.toFixed(0)} | ${(rate / naivePerS).toFixed(1)}x |`,
      );
      if (mode === 'frames') {
        const { pages, sharedKinds } = await shared(await print(framed(ids(0))));
        const parts = await splitPages(await print(framed(ids(0))));
        const diffs = parts.map((p, k) => meanPixelDiff(dir, p, solo.get(k)!));
        const leaks = parts.filter((p, k) => {
          const text = textOf(p);
          return !text.includes(name(k)) || ids(0).some((j) => j !== k && text.includes(name(j)));
        }).length;
        console.log(
          `|  ↳ ${pages} pages; objects shared by 2+ certificates' pages: ${JSON.stringify(Object.fromEntries(sharedKinds))}; ` +
            `text wrong in ${leaks}; pixel diff vs alone, max ${Math.max(...diffs).toFixed(2)} /255 | | | | | |`,
        );
      }
    }
  }
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
