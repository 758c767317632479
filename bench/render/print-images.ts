/**
 * Stored PNGs at print resolution (src/rendering/print-images.ts) against as stored, interleaved:
 * the default certificate with the sample images (logo 480×160, signatures 400×120: 1.3–1.8x the
 * pixels their boxes need at 2 px per CSS px) and with the same images uploaded at 4x that size (what
 * scans and exports often are). Each variant is its own warm renderer; each round renders a batch
 * on every renderer in turn, so the machine's drift is shared.
 *
 *   npx tsx bench/render/print-images.ts [--rounds=R]     (under the bench lock: flock /tmp/bench.lock …)
 */
import os from 'node:os';
import { createRenderer } from '../../src/rendering/renderer.js';
import { defaultCertificateTemplate } from '../../src/template/default-template.js';
import { renderTemplate } from '../../src/template/template.js';
import {
  enlarged,
  IMAGES_PREFIX,
  makeLoadAsset,
  SAMPLE_IMAGES,
  sampleContext,
} from '../../test/integration/rendering/fixtures.js';
import { groupCpuMs } from './proc-stats.js';

const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.split('=')[1] ?? 4);
const BATCH = 40;
const CORES = os.availableParallelism();

const PNGS = ['org-1/logo.png', 'org-1/sig-hopper.png', 'org-1/sig-turing.png'];
const uploads4x = { ...SAMPLE_IMAGES, ...Object.fromEntries(PNGS.map((k) => [k, enlarged(SAMPLE_IMAGES[k], 4)])) };

const variants = [
  { name: 'sample images, as stored', images: SAMPLE_IMAGES, print: false },
  { name: 'sample images, print resolution', images: SAMPLE_IMAGES, print: true },
  { name: '4x uploads, as stored', images: uploads4x, print: false },
  { name: '4x uploads, print resolution', images: uploads4x, print: true },
];

const t = defaultCertificateTemplate();
const docs = await Promise.all(
  Array.from({ length: BATCH }, async (_, i) =>
    renderTemplate(t.htmlTemplate, t.cssTemplate, await sampleContext({ i, recipientName: `Recipient ${i}` })),
  ),
);
const imageSizes = (pdf: Buffer) =>
  [...pdf.toString('latin1').matchAll(/\/Subtype \/Image[^>]*?\/Width (\d+)[^>]*?\/Height (\d+)/g)]
    .map((m) => `${m[1]}×${m[2]}`)
    .filter((s, i, all) => all.indexOf(s) === i)
    .join(', ');

const runs = [];
for (const v of variants) {
  const renderer = createRenderer({
    assetPrefix: IMAGES_PREFIX,
    loadAsset: makeLoadAsset(v.images),
    printResolutionImages: v.print,
  });
  await renderer.warmUp();
  let last: Buffer = Buffer.alloc(0);
  for (let i = 0; i < 6; i++) last = await renderer.renderPdf(docs[i].html, docs[i].css);
  runs.push({
    ...v,
    renderer,
    pid: (await renderer.browserPid())!,
    cpu: 0,
    secs: 0,
    n: 0,
    bytes: 0,
    sizes: imageSizes(last),
  });
}
const load0 = os.loadavg()[0];
for (let r = 0; r < ROUNDS; r++)
  for (const x of runs) {
    const c0 = groupCpuMs(x.pid);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CORES }, async () => {
        while (next < docs.length) {
          const d = docs[next++];
          x.bytes += (await x.renderer.renderPdf(d.html, d.css)).length;
        }
      }),
    );
    x.secs += (performance.now() - t0) / 1000;
    x.cpu += groupCpuMs(x.pid) - c0;
    x.n += docs.length;
  }
const load = [load0, os.loadavg()[0]].map((l) => l.toFixed(2)).join(' → ');
console.log(
  `\n${CORES} cores · ${ROUNDS} rounds of ${BATCH} PDFs per variant, ${CORES} in flight · load avg (1 min) ${load}\n`,
);
console.log('| images | PDF/s | Chromium CPU ms/PDF | avg KB | image pixels in the PDF |');
console.log('|---|---:|---:|---:|---|');
for (const x of runs) {
  console.log(
    `| ${x.name} | ${(x.n / x.secs).toFixed(1)} | ${(x.cpu / x.n).toFixed(1)} | ${(x.bytes / x.n / 1024).toFixed(0)} | ${x.sizes} |`,
  );
  await x.renderer.close();
}
