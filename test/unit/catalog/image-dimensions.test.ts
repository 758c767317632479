import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { budgetProblem, DEFAULT_IMAGE_BUDGET, readImageDimensions } from '../../../src/catalog/image-dimensions.js';
import { gifClaiming, jpegClaiming, pngBomb, pngClaiming, webpClaiming } from '../../support/image-bombs.js';

const GIF_1X1 = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const WEBP_1X1 = Buffer.from('UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=', 'base64');
const svg = (attrs: string) =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" ${attrs}><rect width="1" height="1"/></svg>`);

describe('readImageDimensions', () => {
  it('reads PNG IHDR, real files and crafted headers up to 2^32−1', () => {
    expect(readImageDimensions(PNG.sync.write(new PNG({ width: 7, height: 3 })), 'png')).toEqual({
      width: 7,
      height: 3,
    });
    expect(readImageDimensions(pngBomb(20000, 20000), 'png')).toEqual({ width: 20000, height: 20000 });
    expect(readImageDimensions(pngClaiming(2 ** 31 - 1, 2 ** 31 - 1), 'png')).toEqual({
      width: 2 ** 31 - 1,
      height: 2 ** 31 - 1,
    });
    expect(readImageDimensions(pngClaiming(0, 5), 'png')).toBe('unreadable');
    expect(readImageDimensions(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), 'png')).toBe('unreadable');
  });

  it('reads JPEG SOFn after other segments, for baseline and progressive frames', () => {
    expect(readImageDimensions(jpegClaiming(640, 480), 'jpg')).toEqual({ width: 640, height: 480 });
    expect(readImageDimensions(jpegClaiming(65535, 65535, 0xc2), 'jpg')).toEqual({ width: 65535, height: 65535 });
    // no frame header before the end: nothing to go by
    expect(readImageDimensions(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xd9]), 'jpg')).toBe(
      'unreadable',
    );
    expect(readImageDimensions(Buffer.from([0xff, 0xd8, 0x00, 0x00, 0x00]), 'jpg')).toBe('unreadable');
  });

  it('reads GIF: the logical screen, or a frame reaching past it', () => {
    expect(readImageDimensions(GIF_1X1, 'gif')).toEqual({ width: 1, height: 1 });
    expect(readImageDimensions(gifClaiming(60000, 60000), 'gif')).toEqual({ width: 60000, height: 60000 });
    expect(
      readImageDimensions(gifClaiming(10, 10, { left: 60000, top: 0, width: 5000, height: 20000 }), 'gif'),
    ).toEqual({ width: 65000, height: 20000 });
  });

  it('reads WebP VP8, VP8L and VP8X', () => {
    expect(readImageDimensions(WEBP_1X1, 'webp')).toEqual({ width: 1, height: 1 });
    expect(readImageDimensions(webpClaiming('VP8 ', 16383, 16383), 'webp')).toEqual({ width: 16383, height: 16383 });
    expect(readImageDimensions(webpClaiming('VP8L', 16384, 100), 'webp')).toEqual({ width: 16384, height: 100 });
    expect(readImageDimensions(webpClaiming('VP8X', 2 ** 24, 2 ** 24), 'webp')).toEqual({
      width: 2 ** 24,
      height: 2 ** 24,
    });
  });

  it('reads SVG width/height in absolute units, a missing side from the viewBox ratio; no absolute size is unsized', () => {
    expect(readImageDimensions(svg('width="120" height="80"'), 'svg')).toEqual({ width: 120, height: 80 });
    expect(readImageDimensions(svg('width="1in" height="2.54cm"'), 'svg')).toEqual({ width: 96, height: 96 });
    expect(readImageDimensions(svg('width="100000px" viewBox="0 0 2 1"'), 'svg')).toEqual({
      width: 100000,
      height: 50000,
    });
    expect(readImageDimensions(svg('height="1e5" viewBox="0 0 1 1"'), 'svg')).toEqual({
      width: 100000,
      height: 100000,
    });
    expect(readImageDimensions(svg('viewBox="0 0 100000 100000"'), 'svg')).toBe('unsized');
    expect(readImageDimensions(svg('width="100%" height="100%"'), 'svg')).toBe('unsized');
    expect(readImageDimensions(svg('stroke-width="99999" data-height="99999"'), 'svg')).toBe('unsized');
  });
});

describe('budgetProblem', () => {
  const budget = DEFAULT_IMAGE_BUDGET;
  it('defaults to 8192 a side and 4096×4096 pixels', () => {
    expect(budget).toEqual({ maxEdge: 8192, maxPixels: 4096 * 4096 });
  });
  it('accepts what fits, refuses a side or an area over it with the numbers, and an unreadable header', () => {
    expect(budgetProblem({ width: 4096, height: 4096 }, budget)).toBeNull();
    expect(budgetProblem({ width: 8192, height: 2048 }, budget)).toBeNull();
    expect(budgetProblem('unsized', budget)).toBeNull();
    expect(budgetProblem({ width: 8193, height: 1 }, budget)).toMatch(/8193×1 pixels.*at most 8192 pixels on a side/);
    expect(budgetProblem({ width: 4097, height: 4096 }, budget)).toMatch(/4097×4096 pixels \(16\.8 M pixels\)/);
    expect(budgetProblem({ width: 20000, height: 20000 }, budget)).toMatch(/20000×20000 pixels \(400\.0 M pixels\)/);
    expect(budgetProblem('unreadable', budget)).toMatch(/could not be read/);
    expect(budgetProblem({ width: 200, height: 200 }, { maxEdge: 100, maxPixels: 1e6 })).toMatch(
      /at most 100 pixels on a side/,
    );
  });
});
