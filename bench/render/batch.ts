/**
 * Batch experiment (not a shipped path): N certificates of one credential in ONE document, one
 * printToPDF, split into single-page PDFs in Node with pdf-lib — against one render per certificate.
 * Measures Chromium + Node CPU per certificate (split included) and checks every split PDF: one page,
 * its own recipient's name and no other's — and which glyphs its embedded fonts carry compared with
 * the same certificate rendered alone (Skia subsets each font once per document, so a split page
 * carries the glyphs the whole batch drew in the fonts it uses too).
 *
 * Each size's batches run in rounds interleaved with 3 naive PDFs (a fresh browser of the same
 * binary per PDF, naive.ts), so its ratio to naive shares the machine's drift as run.ts's does.
 *
 *   npx tsx bench/render/batch.ts [--n=1,5,10,20] [--certs=120] [--rounds=3] [--prune]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRenderer } from '../../src/rendering/renderer.js';
import { DEFAULT_TEMPLATE_STACK_CSS, defaultCertificateTemplate } from '../../src/template/default-template.js';
import { renderTemplate } from '../../src/template/template.js';
import { IMAGES_PREFIX, makeLoadAsset, sampleContext } from '../../test/integration/rendering/fixtures.js';
import { EXE, naiveOne } from './naive.js';
import { inFlight } from './in-flight.js';
import { splitPages } from '../../src/rendering/pdf-pages.js';
import { meanPixelDiff } from '../../test/support/pdf-pixels.js';
import { isolatePage } from '../../src/rendering/certificate-batches.js';
import { groupCpuMs } from './proc-stats.js';
import { embeddedFonts, fontGlyphs } from '../../test/support/pdf-fonts.js';

const args = process.argv.slice(2);
const opt = (k: string, d: string) => args.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
const SIZES = opt('n', '1,5,10,20').split(',').map(Number);
const CERTS = Number(opt('certs', '120'));
const ROUNDS = Number(opt('rounds', '3'));
const CORES = os.availableParallelism();
/** --prune: each split page made its own as the worker ships it (isolatePage: fonts pruned, tags and names its own). */
const PRUNE = args.includes('--prune');
// distinct names; a few with letters no other name has, to show where the glyphs end up
const FIRST = ['Ada', 'Grace', 'Alan', 'Łukasz', 'Zoë', 'Søren', 'Björk', 'Emmy', 'Kurt', 'Hedy'];
const name = (i: number) => `${FIRST[i % FIRST.length]} Recipient ${String.fromCharCode(65 + (i % 26))}${i}`;

const t = defaultCertificateTemplate();
const merge = async (i: number) =>
  renderTemplate(t.htmlTemplate, t.cssTemplate, await sampleContext({ recipientName: name(i), i }));
const docs = await Promise.all(Array.from({ length: 60 }, (_, i) => merge(i)));
const batchOf = (ids: number[]) => ({
  html: ids.map((i) => docs[i].html).join('\n'),
  css: `${docs[ids[0]].css}\n${DEFAULT_TEMPLATE_STACK_CSS}`,
});

const renderer = createRenderer({ assetPrefix: IMAGES_PREFIX, loadAsset: makeLoadAsset(), pages: CORES });
const dir = mkdtempSync(path.join(os.tmpdir(), 'bw-batch-'));
try {
  await renderer.warmUp();
  const pid = (await renderer.browserPid())!;
  console.log(
    `\n${CORES} cores · ${CERTS} certificates per size · load avg ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
  console.log(
    '| certificates per document | cert/s | ÷ naive, same binary | Chromium CPU ms/cert | Node CPU ms/cert | KB/cert |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|');
  const alone = new Map<number, Uint8Array>();
  for (const n of SIZES) {
    const batches = Math.ceil(CERTS / n);
    const ids = (b: number) => Array.from({ length: n }, (_, k) => (b * n + k) % docs.length);
    const job = async (b: number) => {
      const d = batchOf(ids(b));
      const pdf = await renderer.renderPdf(d.html, d.css, { maxPages: n });
      return n === 1 ? [pdf] : splitPages(pdf, PRUNE ? isolatePage : undefined);
    };
    for (let b = 0; b < 2; b++) await job(b); // warm: the layout's first PDF measures its images
    let [chromiumMs, nodeMs, secs, naiveSecs, naiveN, bytes] = [0, 0, 0, 0, 0, 0];
    let last: { ids: number[]; parts: Uint8Array[] } | null = null;
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < 3; k++) {
        naiveSecs += (await naiveOne(() => merge(r * 3 + k), 'pdf', EXE)).ms / 1000;
        naiveN++;
      }
      const c0 = groupCpuMs(pid);
      const n0 = process.cpuUsage();
      const w0 = performance.now();
      await inFlight(CORES, batches, async (k) => {
        const b = r * batches + k;
        const parts = await job(b);
        bytes += parts.reduce((a, p) => a + p.length, 0);
        last = { ids: ids(b), parts };
      });
      secs += (performance.now() - w0) / 1000;
      const nu = process.cpuUsage(n0);
      nodeMs += (nu.user + nu.system) / 1000;
      chromiumMs += groupCpuMs(pid) - c0;
    }
    const certs = ROUNDS * batches * n;
    const f = (x: number) => x.toFixed(1);
    console.log(
      `| ${n} | ${f(certs / secs)} | ${f(certs / secs / (naiveN / naiveSecs))}x | ${f(chromiumMs / certs)} | ` +
        `${f(nodeMs / certs)} | ${(bytes / certs / 1024).toFixed(0)} |`,
    );
    // checks on the last batch: pages, names, glyphs against the same certificate rendered alone
    const { ids: batchIds, parts } = last!;
    let extraGlyphs = 0;
    let pixelDiff = 0;
    for (const [k, i] of batchIds.entries()) {
      const file = path.join(dir, `n${n}-${k}.pdf`);
      writeFileSync(file, parts[k]);
      const pages = /Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1];
      const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
      const others = batchIds.filter((j) => j !== i && text.includes(name(j)));
      if (pages !== '1' || !text.includes(name(i)) || others.length)
        throw new Error(`split PDF ${k} of ${n}: ${pages} pages, own name ${text.includes(name(i))}, others ${others}`);
      if (!alone.has(i)) alone.set(i, await renderer.renderPdf(docs[i].html, docs[i].css));
      const [mine, solo] = [await fontGlyphs(parts[k]), await fontGlyphs(alone.get(i)!)];
      for (const [f, set] of mine)
        extraGlyphs = Math.max(extraGlyphs, [...set].filter((g) => !solo.get(f)?.has(g)).length);
      pixelDiff = Math.max(pixelDiff, meanPixelDiff(dir, parts[k], alone.get(i)!));
    }
    // The first certificate printed alone (pruned the same way with --prune): its fonts must come out
    // the same as from the batch, or something of its companions is in them.
    let sameFonts = '';
    if (n > 1) {
      const i = batchIds[0];
      const alonePdf = await renderer.renderPdf(docs[i].html, docs[i].css);
      const [solo] = await splitPages(alonePdf, PRUNE ? isolatePage : undefined);
      const [a, b] = [await embeddedFonts(parts[0]), await embeddedFonts(solo)];
      const differ = [...a.keys()].filter((f) => a.get(f) !== b.get(f));
      sameFonts = `; its fonts against the same certificate printed alone: ${
        differ.length ? `DIFFER (${differ.join(', ')})` : `identical (${a.size} fonts)`
      }`;
    }
    console.log(
      `|  ↳ ${n} split PDFs${PRUNE ? ', fonts pruned' : ''}${sameFonts}: 1 page, own name only; glyphs one carries beyond its own, ` +
        `at most: ${extraGlyphs}; pixels vs the certificate alone (40 dpi), mean difference at most ` +
        `${pixelDiff.toFixed(3)}/255 | | | | | |`,
    );
  }
} finally {
  await renderer.close();
  rmSync(dir, { recursive: true, force: true });
}
