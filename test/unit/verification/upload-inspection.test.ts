import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { bakePng, bakeSvg, readBakedSvg } from '../../../src/openbadges/baking.js';
import { inspectUpload } from '../../../src/verification/upload-inspection.js';
import { readPdfCredentialBounded } from '../../../src/verification/pdf-credential-reader.js';
import * as hostile from '../../fixtures/hostile/generate.js';

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL3gifQ.c2lnbmF0dXJl';
const MiB = 1024 * 1024;

/** The error inspectUpload throws, with how long it took. */
function refusal(bytes: Uint8Array): { status: number; message: string; ms: number } {
  const t = performance.now();
  try {
    const r = inspectUpload(bytes);
    throw new Error(`expected a refusal, got ${JSON.stringify(r).slice(0, 200)}`);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { status: err.status, message: err.message, ms: performance.now() - t };
  }
}

describe('the hostile corpus generator', () => {
  it('builds real bombs: the zlib stream inflates to exactly the size it claims', () => {
    const bomb = hostile.zeroBomb(8 * MiB);
    expect(bomb.length).toBeLessThan((8 * MiB) / 500);
    const out = inflateSync(bomb);
    expect(out.length).toBe(8 * MiB);
    expect(out.every((b) => b === 0)).toBe(true);
    // 2,000 MiB in about 2 MB of PDF, 1 GiB in about 1 MB of PNG.
    expect(hostile.pdfAttachmentBomb().length).toBeLessThan(2.5e6);
    expect(hostile.pngCompressedITXt().length).toBeLessThan(1.2e6);
  });
});

describe('inspectUpload refuses every hostile file quickly, with a 4xx that says why', () => {
  // Each read is a few ms to a few hundred (the 100,000-object index); 2 s leaves room for a loaded machine.
  const BOUND_MS = 2000;
  const cases: [string, () => Buffer, number, RegExp][] = [
    [
      'PNG: compressed iTXt inflating to 1 GiB',
      () => hostile.pngCompressedITXt(),
      422,
      /compressed "openbadgecredential".*uncompressed/,
    ],
    [
      'PNG: compressed OB 2.0 iTXt',
      () => hostile.pngCompressedITXt(64 * MiB, 'openbadges'),
      422,
      /compressed "openbadges"/,
    ],
    ['PNG: zTXt inflating to 1 GiB', () => hostile.pngZTXt(), 422, /compressed "openbadgecredential"/],
    ['PNG: 400,000 chunks', () => hostile.pngManyChunks(), 422, /more than 20000 chunks/],
    ['PNG: a 1 MB JWT', () => hostile.pngWithCredentialText(hostile.hugeJwt()), 422, /longer than 200000 characters/],
    [
      'PNG: JSON credential nested 10,000 deep',
      () => hostile.pngWithCredentialText(`{"id":"x","d":${hostile.nestedJson()}}`),
      422,
      /nests more than 64 levels/,
    ],
    [
      'SVG: 5 MB of unclosed credential elements',
      () => hostile.svgUnclosedElements(5_000_000),
      422,
      /more than 400 levels/,
    ],
    ['SVG: 1 MiB of unclosed credential elements', () => hostile.svgUnclosedElements(MiB), 422, /more than 400 levels/],
    ['SVG: a 2 MB credential attribute', () => hostile.svgHugeCredential(2_000_000), 422, /larger than 1 MiB/],
    ['SVG: <g> nested 100,000 deep', () => hostile.svgDeep(100_000), 422, /more than 400 levels/],
    ['SVG: billion laughs', () => hostile.svgBillionLaughs(), 422, /entity declarations/],
    [
      'PDF: attachment inflating to 2,000 MiB',
      () => hostile.pdfAttachmentBomb(),
      422,
      /credential\.jwt attachment inflates to more than 1048576 bytes/,
    ],
    [
      'PDF: object stream inflating to 2,000 MiB',
      () => hostile.pdfObjectStreamBomb(),
      422,
      /object stream.*inflates to more than/,
    ],
    ['PDF: objects nested 1,000,000 deep', () => hostile.pdfDeepNesting(), 422, /nests objects more than 100 levels/],
    ['PDF: 150,000 objects', () => hostile.pdfManyObjects(), 422, /more than 100000 objects/],
    ['over 5 MiB', () => Buffer.alloc(5 * MiB + 1, 0x20), 413, /larger than 5 MiB/],
    ['not an image', () => Buffer.from('GIF89a'), 415, /PNG or SVG/],
  ];
  it.each(cases)('%s', (_name, make, status, message) => {
    const r = refusal(make());
    expect(r.status).toBe(status);
    expect(r.message).toMatch(message);
    expect(r.ms).toBeLessThan(BOUND_MS);
  });

  it('PDF name trees and trailers crafted to multiply work are still read in bounded time', () => {
    const fanOut = hostile.pdf([
      '<< /Type /Catalog /Names << /EmbeddedFiles 2 0 R >> >>',
      `<< /Kids [${'2 0 R '.repeat(200_000)}] >>`,
    ]);
    const xrefs = Buffer.concat([hostile.pdf(['<< /Type /Catalog >>']), Buffer.from('/Type /XRef '.repeat(300_000))]);
    for (const file of [fanOut, xrefs]) {
      const t = performance.now();
      expect(inspectUpload(file)).toEqual({ kind: 'pdf', unverified: expect.stringMatching(/no embedded credential/) });
      expect(performance.now() - t).toBeLessThan(BOUND_MS);
    }
  });

  it('reads a large benign SVG in one linear pass (5 MB of elements)', () => {
    const big = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg">${'<rect width="1" height="1"/>'.repeat(170_000)}</svg>`,
    );
    const baked = Buffer.from(bakeSvg(big, { ob3Jwt: JWT }));
    expect(baked.length).toBeGreaterThan(4.5e6);
    const t = performance.now();
    expect(inspectUpload(baked)).toEqual({ kind: 'svg', jwt: JWT });
    expect(performance.now() - t).toBeLessThan(BOUND_MS);
  });
});

describe('inspectUpload still reads what it should', () => {
  it('baked PNG and SVG, a plain DOCTYPE, references decoded but never expanded', () => {
    expect(inspectUpload(bakePng(hostile.png(), { ob3Jwt: JWT }))).toEqual({ kind: 'png', jwt: JWT });
    const doctype = `<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg"><text>&nbsp;</text></svg>`;
    expect(inspectUpload(Buffer.from(bakeSvg(doctype, { ob3Jwt: JWT })))).toEqual({ kind: 'svg', jwt: JWT });
    const refs =
      '<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential>{"a":"&lt;&#x41;&#65;&amp;lt;&custom;&#99999999999;"}</openbadges:credential></svg>';
    expect(readBakedSvg(refs)).toEqual({ ob3Json: '{"a":"<AA&lt;&custom;&#99999999999;"}' });
    // A closing tag inside CDATA does not end the element.
    const cdata =
      '<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential><![CDATA[{"x":"</openbadges:credential>"}]]></openbadges:credential></svg>';
    expect(readBakedSvg(cdata)).toEqual({ ob3Json: '{"x":"</openbadges:credential>"}' });
  });

  it('an unbaked or malformed file is a verdict, not an error', () => {
    expect(inspectUpload(hostile.png())).toEqual({
      kind: 'png',
      unverified: 'The PNG carries no baked Open Badges 3.0 credential.',
    });
    expect(inspectUpload(Buffer.from('<svg><!-- never closed'))).toMatchObject({
      kind: 'svg',
      unverified: expect.stringMatching(/unterminated comment/),
    });
  });

  it('the PDF reader finds a hand-written attachment through Kids, hex names and an indirect Length', () => {
    const jwt = Buffer.from(JWT);
    const pdf = hostile
      .pdf([
        '<< /Type /Catalog /Names << /EmbeddedFiles 3 0 R >> >>',
        '<< /Title <FEFF0054006900740072006500> /Subject (https://x.test/v/1) >>',
        '<< /Kids [6 0 R] >>',
        '<< /Type /Filespec /EF << /F 5 0 R >> >>',
        Buffer.concat([Buffer.from('<< /Length 7 0 R >>\nstream\n'), jwt, Buffer.from('\nendstream')]),
        '<< /Names [<FEFF00630072006500640065006E007400690061006C002E006A00770074> 4 0 R] >>',
        String(jwt.length),
      ])
      .toString('latin1')
      .replace('/Root 1 0 R', '/Root 1 0 R /Info 2 0 R');
    expect(readPdfCredentialBounded(Buffer.from(pdf, 'latin1'))).toEqual({
      jwt: JWT,
      verificationUrl: 'https://x.test/v/1',
      title: 'Titre',
    });
  });
});
