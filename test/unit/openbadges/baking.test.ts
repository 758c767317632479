import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { bakePng, bakeSvg, readBakedPng, readBakedSvg } from '../../../src/openbadges/baking.js';

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL3gifQ.c2lnbmF0dXJl';

function makePng(): Buffer {
  const png = new PNG({ width: 4, height: 3 });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([200, 30, (i / 4) * 20, 255], i);
  return PNG.sync.write(png);
}

/** CRC-32 as in PNG spec Annex D, written independently of node:zlib. */
function pngCrc(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Independent chunk walk: [type, data] pairs; throws on any bad CRC. */
function chunks(buf: Buffer): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (let pos = 8; pos < buf.length;) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (pngCrc(buf.subarray(pos + 4, pos + 8 + len)) !== buf.readUInt32BE(pos + 8 + len))
      throw new Error(`bad CRC in ${type}`);
    out.push([type, buf.subarray(pos + 8, pos + 8 + len)]);
    pos += 12 + len;
  }
  return out;
}

describe('PNG baking', () => {
  it('writes one uncompressed iTXt chunk before IEND and keeps a decodable image', () => {
    const original = makePng();
    const baked = bakePng(original, { ob3Jwt: JWT });
    const list = chunks(baked);
    expect(list.at(-1)![0]).toBe('IEND');
    const itxt = list.filter(([t]) => t === 'iTXt');
    expect(itxt).toHaveLength(1);
    expect(itxt[0][1].equals(Buffer.concat([Buffer.from('openbadgecredential\0\0\0\0\0'), Buffer.from(JWT)]))).toBe(
      true,
    );

    // pngjs checks the structure and the CRCs of the chunks it knows; chunks() checked ours.
    const decoded = PNG.sync.read(baked);
    expect(decoded.width).toBe(4);
    expect(decoded.data.equals(PNG.sync.read(original).data)).toBe(true);
    expect(readBakedPng(baked)).toEqual({ ob3Jwt: JWT });
  });

  it('replaces the chunk on re-bake and holds OB 2.0 next to OB 3.0', () => {
    const assertion = {
      '@context': 'https://w3id.org/openbadges/v2',
      id: 'https://x/a/1',
      type: 'Assertion',
      name: 'Zoë',
    };
    const once = bakePng(makePng(), { ob3Jwt: 'old.jwt.value', ob2: assertion });
    const twice = bakePng(once, { ob3Jwt: JWT });
    const itxt = chunks(twice).filter(([t]) => t === 'iTXt');
    expect(itxt).toHaveLength(2);
    expect(readBakedPng(twice)).toEqual({ ob3Jwt: JWT, ob2: JSON.stringify(assertion) });
    expect(() => PNG.sync.read(twice)).not.toThrow();
  });

  it('the CRC check in this test would catch a bad iTXt CRC', () => {
    const corrupt = bakePng(makePng(), { ob3Jwt: JWT });
    corrupt[corrupt.length - 13] ^= 0xff; // last CRC byte of the iTXt chunk (IEND is the last 12)
    expect(() => chunks(corrupt)).toThrow(/bad CRC in iTXt/);
  });

  it('rejects input that is not a PNG', () => {
    expect(() => bakePng(Buffer.from('GIF89a not a png'), { ob3Jwt: JWT })).toThrow(ValidationError);
    expect(() => readBakedPng(makePng().subarray(0, 40))).toThrow(ValidationError);
  });
});

describe('SVG baking', () => {
  const svg =
    '<?xml version="1.0"?>\n<!-- <svg> in a comment -->\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="4"/></svg>';

  it('adds the namespace and a credential element with the JWT in verify, right after <svg>', () => {
    const baked = bakeSvg(svg, { ob3Jwt: JWT });
    expect(baked).toContain(
      `<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><openbadges:credential verify="${JWT}"></openbadges:credential><circle`,
    );
    expect(readBakedSvg(baked)).toEqual({ ob3Jwt: JWT });
  });

  it('replaces on re-bake and keeps OB 2.0 in its own namespace', () => {
    const once = bakeSvg(svg, { ob3Jwt: 'old.jwt.value' });
    const assertion = { id: 'https://x/a/1', type: 'Assertion', note: 'a ]]> b' };
    const twice = bakeSvg(once, { ob3Jwt: JWT, ob2: assertion });
    expect(twice.match(/<openbadges:credential/g)).toHaveLength(1);
    expect(twice.match(/xmlns:openbadges=/g)).toHaveLength(2);
    expect(twice).toContain(
      '<openbadges:assertion xmlns:openbadges="http://openbadges.org" verify="https://x/a/1"><![CDATA[',
    );
    expect(readBakedSvg(twice)).toEqual({ ob3Jwt: JWT, ob2: JSON.stringify(assertion) });
  });

  it('reads embedded-proof JSON from CDATA and handles self-closing roots', () => {
    const json = '{"id":"urn:uuid:1"}';
    const foreign = `<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential>\n<![CDATA[ ${json} ]]>\n</openbadges:credential></svg>`;
    expect(readBakedSvg(foreign)).toEqual({ ob3Json: json });
    expect(bakeSvg('<svg width="1"/>', { ob3Jwt: JWT })).toBe(
      `<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" width="1"><openbadges:credential verify="${JWT}"></openbadges:credential></svg>`,
    );
  });

  it('rejects input that is not an SVG', () => {
    expect(() => bakeSvg('<html><body/></html>', { ob3Jwt: JWT })).toThrow(ValidationError);
  });
});
