/**
 * Stored PNGs at print resolution against real Chromium: a layout's first PDF carries the images as
 * stored and measures them; later PDFs of that layout carry them resampled to 2 px per CSS px of
 * their box; images also used as a CSS background, and PNG renders, keep their stored pixels.
 */
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRenderer, type LoadedAsset, type Renderer } from '../../../src/rendering/renderer.js';
import { defaultCertificateTemplate } from '../../../src/template/default-template.js';
import { renderTemplate } from '../../../src/template/template.js';
import { enlarged, IMAGES_PREFIX, makeLoadAsset, sampleContext, SAMPLE_IMAGES } from './fixtures.js';

const images: Record<string, LoadedAsset> = {
  ...SAMPLE_IMAGES,
  'org-1/logo.png': enlarged(SAMPLE_IMAGES['org-1/logo.png'], 4), // 1920×640, laid out ≤ 60 mm × 16 mm
  'org-1/sig-hopper.png': enlarged(SAMPLE_IMAGES['org-1/sig-hopper.png'], 4), // 1600×480
  'org-1/sig-turing.png': enlarged(SAMPLE_IMAGES['org-1/sig-turing.png'], 4),
};

/** Width×height of the distinct image XObjects of a Skia PDF (colour and soft mask share a size). */
function imageSizes(pdf: Buffer): string[] {
  const sizes = [...pdf.toString('latin1').matchAll(/\/Subtype \/Image[^>]*?\/Width (\d+)[^>]*?\/Height (\d+)/g)];
  return [...new Set(sizes.map((m) => `${m[1]}x${m[2]}`))].sort();
}
const imageCount = (pdf: Buffer) => [...pdf.toString('latin1').matchAll(/\/Subtype \/Image/g)].length;

let renderer: Renderer;
let doc: { html: string; css: string };

beforeAll(async () => {
  renderer = createRenderer({ assetPrefix: IMAGES_PREFIX, loadAsset: makeLoadAsset(images), pages: 1 });
  await renderer.warmUp();
  const t = defaultCertificateTemplate();
  doc = renderTemplate(t.htmlTemplate, t.cssTemplate, await sampleContext());
});
afterAll(async () => {
  await renderer?.close();
});

describe('PNGs at print resolution', () => {
  it("prints a layout's first PDF with the stored pixels, later ones at 2 px per CSS px of each image's box", async () => {
    const first = await renderer.renderPdf(doc.html, doc.css);
    expect(imageSizes(first)).toEqual(['1600x480', '1920x640']);
    expect(renderer.stats().imagesResampled).toBe(0);

    // another certificate of the same template: other recipient, same layout
    const t = defaultCertificateTemplate();
    const other = renderTemplate(t.htmlTemplate, t.cssTemplate, await sampleContext({ recipientName: 'Grace', i: 7 }));
    const later = await renderer.renderPdf(other.html, other.css);
    // logo: max-height 16 mm = 60.5 CSS px → 121 px high; signatures: max-height 13 mm = 49.1 px → 99 px
    expect(imageSizes(later)).toEqual(['328x99', '363x121']);
    expect(imageCount(later)).toBe(imageCount(first)); // every image (and its alpha mask) is still there
    expect(renderer.stats().imagesResampled).toBe(3);
    expect(later.length).toBeLessThan(first.length);
  });

  it('keeps the stored pixels of an image that is also a CSS background, and of one in a new layout until measured', async () => {
    const sig = `${IMAGES_PREFIX}org-1/sig-hopper.png`;
    const logo = `${IMAGES_PREFIX}org-1/logo.png`;
    const html = `<img style="height:10mm" src="${sig}"><div style="height:20mm;background:url('${sig}')"></div><img class="l" src="${logo}">`;
    const css = '@page { size: A4; margin: 0 } .l { height: 10mm }';
    const before = renderer.stats().imagesResampled;
    // (Chromium may also write the tiled background as an image of the div's size: not looked at here)
    const first = imageSizes(await renderer.renderPdf(html, css));
    expect(first).toEqual(expect.arrayContaining(['1600x480', '1920x640']));
    const again = imageSizes(await renderer.renderPdf(html, css));
    // the logo: 10 mm = 37.8 CSS px high → 227×76 px; the signature keeps its stored size (background use)
    expect(again).toEqual(expect.arrayContaining(['1600x480', '227x76']));
    expect(again).not.toContain('1920x640');
    expect(renderer.stats().imagesResampled).toBe(before + 1);
  });

  it('leaves PNG renders alone (their scale is per job)', async () => {
    const before = renderer.stats().imagesResampled;
    const png = await renderer.renderPng(doc.html, doc.css, { scale: 1 });
    expect(PNG.sync.read(png).width).toBeGreaterThan(1000);
    expect(renderer.stats().imagesResampled).toBe(before);
  });
});
