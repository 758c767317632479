import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { sniffImageType } from '../../../src/catalog/image-type.js';

describe('sniffImageType', () => {
  it('reads the type from the bytes', async () => {
    const png = PNG.sync.write(new PNG({ width: 1, height: 1 }));
    expect((await sniffImageType(png)).type).toEqual({ ext: 'png', mime: 'image/png' });
    expect(
      (await sniffImageType(Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'))).type
        ?.mime,
    ).toBe('image/gif');
    expect(
      (await sniffImageType(Buffer.from('UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=', 'base64'))).type
        ?.mime,
    ).toBe('image/webp');
    expect(
      (await sniffImageType(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xdb]), Buffer.alloc(32)]))).type?.mime,
    ).toBe('image/jpeg');
    expect(
      (await sniffImageType(Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'))).type,
    ).toEqual({ ext: 'svg', mime: 'image/svg+xml' });
  });

  it('refuses everything else, saying what it is when known', async () => {
    expect(await sniffImageType(Buffer.from('plain text pretending to be a png'))).toEqual({ detected: undefined });
    expect((await sniffImageType(Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj'))).detected).toBe(
      'application/pdf',
    );
    expect((await sniffImageType(Buffer.from('<?xml version="1.0"?><html/>'))).type).toBeUndefined();
    expect(
      (await sniffImageType(Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00' + 'x'.repeat(40)))).type,
    ).toBeUndefined();
  });
});
