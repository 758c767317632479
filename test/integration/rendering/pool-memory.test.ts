/**
 * The pool keeps no job's result once the job has ended: 1,000 PNGs rendered through it leave the
 * heap and the ArrayBuffer memory where they were (issue 19: every result used to stay reachable
 * from the browser's never-settling death promise, ~100 KB a PNG here).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { randomBytes } from 'node:crypto';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createRenderer, type Renderer } from '../../../src/rendering/renderer.js';
import { IMAGES_PREFIX, makeLoadAsset } from './fixtures.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Random pixels: PNG cannot compress them, so each screenshot is ~100 KB and a leak shows plainly. */
function noisePng(w: number, h: number): Buffer {
  const png = new PNG({ width: w, height: h });
  png.data.set(randomBytes(w * h * 4));
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  return PNG.sync.write(png);
}

const MB = 1024 * 1024;
const JOBS = 1000;
const IN_FLIGHT = 4;
let renderer: Renderer;
afterAll(async () => {
  await renderer?.close();
});

async function settle(): Promise<{ heapUsed: number; arrayBuffers: number }> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

describe('pool memory', () => {
  it(`releases each job's result when the job ends (${JOBS} PNGs, heap and arrayBuffers stay bounded)`, async () => {
    const images = { 'org-1/noise.png': { contentType: 'image/png', body: noisePng(180, 180) } };
    renderer = createRenderer({ assetPrefix: IMAGES_PREFIX, loadAsset: makeLoadAsset(images), pages: 2 });
    const html = `<img src="/api/credentials/public/images/org-1/noise.png" style="display:block">`;
    const css = '@page { size: 180px 180px; margin: 0 } html, body { margin: 0 }';
    const one = () => renderer.renderPng(html, css, { scale: 1 });
    const first = await one();
    const pngBytes = first.length;
    const before = await settle();
    let total = pngBytes;
    let next = 1;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < JOBS) {
          next++;
          const png = await one();
          total += png.length;
        }
      }),
    );
    const ms = Date.now() - t0;
    const after = await settle();
    const grew = {
      heapUsed: (after.heapUsed - before.heapUsed) / MB,
      arrayBuffers: (after.arrayBuffers - before.arrayBuffers) / MB,
    };
    console.log(
      `pool memory: ${JOBS} PNGs of ${pngBytes} B (${(total / MB).toFixed(0)} MB in all) in ${ms} ms; growth after GC`,
      grew,
    );
    expect(renderer.stats().pngs).toBe(JOBS);
    // a leak keeps every result: ~100 MB here
    expect(total / MB).toBeGreaterThan(80);
    expect(grew.arrayBuffers).toBeLessThan(25);
    expect(grew.heapUsed).toBeLessThan(25);
  }, 180_000);
});
