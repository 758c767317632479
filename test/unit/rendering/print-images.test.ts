import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import type { Protocol } from 'puppeteer-core';
import { imageBoxesFromSnapshot } from '../../../src/rendering/image-boxes.js';
import { layoutKey, PrintImageSizes } from '../../../src/rendering/print-image-sizes.js';
import { printPixelSize, resamplablePng, resamplePng } from '../../../src/rendering/print-images.js';

function png(w: number, h: number, paint: (x: number, y: number) => number[]): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) p.data.set(paint(x, y), (y * w + x) * 4);
  return PNG.sync.write(p);
}
/** A PNG with one more chunk of `type` before IEND (CRC not checked by resamplablePng). */
function withChunk(body: Buffer, type: string): Buffer {
  const chunk = Buffer.alloc(12 + 4);
  chunk.writeUInt32BE(4, 0);
  chunk.write(type, 4, 'latin1');
  return Buffer.concat([body.subarray(0, body.length - 12), chunk, body.subarray(body.length - 12)]);
}

describe('print resolution of a PNG', () => {
  it('keeps 2 px per CSS px of the box on both sides, and leaves images that would lose under half their pixels', () => {
    // 1600×480 laid out 164×49 CSS px: 328 wide needed; 99 high needed → scale by the larger need
    expect(printPixelSize({ width: 1600, height: 480 }, { width: 164, height: 49.2 })).toEqual({
      width: 328,
      height: 99,
    });
    // the box is wider than the image's aspect: the width decides
    expect(printPixelSize({ width: 1000, height: 1000 }, { width: 200, height: 50 })).toEqual({
      width: 400,
      height: 400,
    });
    expect(printPixelSize({ width: 400, height: 120 }, { width: 164, height: 49 })).toBeNull(); // 0.67 of the pixels
    expect(printPixelSize({ width: 100, height: 100 }, { width: 200, height: 200 })).toBeNull(); // would enlarge
    expect(printPixelSize({ width: 100, height: 100 }, { width: 0, height: 0 })).toBeNull();
  });

  it('only takes PNGs whose chunks can be re-encoded without a visible change', () => {
    const plain = png(4, 2, () => [1, 2, 3, 255]);
    expect(resamplablePng(plain)).toEqual({ width: 4, height: 2 });
    for (const type of ['iCCP', 'gAMA', 'cHRM', 'acTL']) expect(resamplablePng(withChunk(plain, type))).toBeNull();
    expect(resamplablePng(withChunk(plain, 'pHYs'))).toEqual({ width: 4, height: 2 });
    expect(resamplablePng(plain.subarray(0, 30))).toBeNull();
    // A header claiming 4000 x 4000 px (16 MP) is left as stored before anything decodes it.
    const huge = Buffer.from(plain);
    huge.writeUInt32BE(4000, 16);
    huge.writeUInt32BE(4000, 20);
    expect(resamplablePng(huge)).toBeNull();
    expect(resamplablePng(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
  });

  it('averages areas in premultiplied alpha: a transparent neighbour thins the edge, it does not darken it', () => {
    // columns: white opaque, transparent black — 4×1 → 2×1 gives white at half alpha, not grey
    const src = png(4, 1, (x) => (x % 2 === 0 ? [255, 255, 255, 255] : [0, 0, 0, 0]));
    const out = PNG.sync.read(resamplePng(src, { width: 2, height: 1 })!);
    expect([out.width, out.height]).toEqual([2, 1]);
    expect([...out.data.subarray(0, 4)]).toEqual([255, 255, 255, 128]);
  });

  it('writes an opaque result without alpha (RGB), a transparent one with it', () => {
    const opaque = resamplePng(
      png(8, 8, () => [10, 20, 30, 255]),
      { width: 4, height: 4 },
    )!;
    const colorType = (b: Buffer) => b[25]; // IHDR colour type byte
    expect(colorType(opaque)).toBe(2);
    expect([...PNG.sync.read(opaque).data.subarray(0, 4)]).toEqual([10, 20, 30, 255]);
    const clear = resamplePng(
      png(8, 8, (x) => [10, 20, 30, x < 4 ? 255 : 0]),
      { width: 4, height: 4 },
    )!;
    expect(colorType(clear)).toBe(6);
    expect(resamplePng(Buffer.from('not a png'), { width: 1, height: 1 })).toBeNull();
  });
});

describe('layout key', () => {
  const css = '.logo { max-height: 16mm }';
  it('is one for every certificate of a template: text and data attributes do not count', () => {
    const a = layoutKey('<h1>Ada</h1><img class="logo" src="/i/a.png" alt="A">', css);
    const b = layoutKey('<h1>Grace Hopper</h1><img class="logo" src="/i/b.png" alt="B">', css);
    expect(a).toBe(b);
  });
  it('changes with what lays images out: CSS, classes, styles, <style> blocks, the tags', () => {
    const base = layoutKey('<img class="logo" src="/i/a.png">', css);
    expect(layoutKey('<img class="logo" src="/i/a.png">', '.logo { max-height: 40mm }')).not.toBe(base);
    expect(layoutKey('<img class="seal" src="/i/a.png">', css)).not.toBe(base);
    expect(layoutKey('<img class="logo" style="width:90mm" src="/i/a.png">', css)).not.toBe(base);
    expect(layoutKey('<style>.logo{width:90mm}</style><img class="logo" src="/i/a.png">', css)).not.toBe(base);
    expect(layoutKey('<div><img class="logo" src="/i/a.png"></div>', css)).not.toBe(base);
  });
});

describe('learned boxes', () => {
  it('keeps the largest box of an image, and a "never" for good', () => {
    const sizes = new PrintImageSizes();
    expect(sizes.box('L', 'u')).toBeUndefined();
    sizes.learn('L', new Map([['u', { width: 100, height: 20 }]]));
    sizes.learn('L', new Map([['u', { width: 80, height: 30 }]]));
    expect(sizes.box('L', 'u')).toEqual({ width: 100, height: 30 });
    sizes.learn('L', new Map([['u', null]]));
    sizes.learn('L', new Map([['u', { width: 10, height: 10 }]]));
    expect(sizes.box('L', 'u')).toBeNull();
    expect(sizes.box('other layout', 'u')).toBeUndefined();
  });

  it('resamples once per content and size, and counts every use', () => {
    const sizes = new PrintImageSizes();
    const body = png(400, 100, (x) => [0, 0, 0, x % 3 ? 255 : 0]);
    const a = sizes.forBox(body, { width: 50, height: 12.5 });
    const b = sizes.forBox(Buffer.from(body), { width: 50, height: 12.5 });
    expect(a).not.toBeNull();
    expect(b).toBe(a); // same bytes, same target: the cached copy
    expect(PNG.sync.read(a!).width).toBe(100);
    expect(sizes.used).toBe(2);
    expect(sizes.forBox(body, { width: 300, height: 75 })).toBeNull(); // needs 600 px: keep as stored
  });
});

describe('image boxes from a DOM snapshot', () => {
  // strings: 0 IMG, 1 src, 2 data:A, 3 DIV, 4 data-x, 5 data:B, 6 data:C
  const snap = {
    strings: ['IMG', 'src', 'data:A', 'DIV', 'data-x', 'data:B', 'data:C'],
    documents: [
      {
        nodes: {
          nodeName: [3, 0, 0, 3, 0],
          attributes: [[], [1, 2], [1, 2], [4, 5], [1, 5]],
        },
        layout: {
          nodeIndex: [0, 1, 2, 3, 4],
          bounds: [
            [0, 0, 1000, 800],
            [10, 10, 180, 60],
            [10, 100, 90, 70],
            [0, 0, 5, 5],
            [0, 0, 40, 40],
          ],
        },
      },
    ],
  } as unknown as Protocol.DOMSnapshot.CaptureSnapshotResponse;

  it('takes the largest <img src> box per image; any other use, or none, means never resample', () => {
    const sources = new Map([
      ['data:A', ['https://s/i/a.png']],
      ['data:B', ['https://s/i/b.png']],
      ['data:C', ['https://s/i/c.png', 'https://s/i/c2.png']],
    ]);
    const boxes = imageBoxesFromSnapshot(snap, sources);
    expect(boxes.get('https://s/i/a.png')).toEqual({ width: 180, height: 70 });
    expect(boxes.get('https://s/i/b.png')).toBeNull(); // also a data-x value of a div
    expect(boxes.get('https://s/i/c.png')).toBeNull(); // not in the document
    expect(boxes.get('https://s/i/c2.png')).toBeNull();
  });
});
