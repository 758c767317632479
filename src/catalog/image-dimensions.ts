/**
 * Pixel dimensions of an image, read from its header only (pure, no decoding), and the pixel
 * budget an uploaded image must fit.
 *
 * A 1.5 MB PNG can claim 20000×20000 pixels (1.6 GB once decoded) and the headers allow up to
 * 2^31−1 a side: the bytes say nothing of what a decoder (Chromium, for every certificate using
 * the image) will allocate. So the header is read at upload and the image refused over budget,
 * and the renderer checks again before drawing an image stored earlier.
 *
 * Read: PNG IHDR, JPEG SOFn, GIF logical screen and every frame's descriptor, WebP VP8 / VP8L /
 * VP8X, SVG root width/height (absolute units; a missing one from the viewBox's ratio). An SVG
 * with no absolute size has no intrinsic size (it takes the size of its box), so it has nothing
 * to refuse.
 */
import type { ImageType } from './image-type.js';

export interface ImageBudget {
  /** max pixels on either side */
  maxEdge: number;
  /** max width × height */
  maxPixels: number;
}

/** 8192 a side and 4096×4096 in all: 64 MB decoded (RGBA); an A3 page at 300 dpi is 17.4 M. */
export const DEFAULT_IMAGE_BUDGET: ImageBudget = { maxEdge: 8192, maxPixels: 4096 * 4096 };

export interface ImageDimensions {
  width: number;
  height: number;
}

/** What an image is: its dimensions, 'unsized' (an SVG without an absolute size), or 'unreadable'. */
export type DimensionsResult = ImageDimensions | 'unsized' | 'unreadable';

export function readImageDimensions(bytes: Uint8Array, ext: ImageType['ext']): DimensionsResult {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (ext) {
    case 'png':
      return pngDimensions(buf);
    case 'jpg':
      return jpegDimensions(buf);
    case 'gif':
      return gifDimensions(buf);
    case 'webp':
      return webpDimensions(buf);
    case 'svg':
      return svgDimensions(buf.toString('utf8', 0, Math.min(buf.length, 64 * 1024)));
  }
}

/** The extension of a stored image's content type (as the upload recorded it), or undefined. */
export function extOfContentType(contentType: string): ImageType['ext'] | undefined {
  const map: Record<string, ImageType['ext']> = {
    'image/png': 'png',
    'image/jpeg': 'jpg',
    'image/gif': 'gif',
    'image/webp': 'webp',
    'image/svg+xml': 'svg',
  };
  return map[contentType.split(';')[0].trim().toLowerCase()];
}

/** Why the image is over the budget (a sentence for the uploader), or null when it fits. */
export function budgetProblem(d: DimensionsResult, budget: ImageBudget): string | null {
  if (d === 'unsized') return null;
  if (d === 'unreadable')
    return 'Its pixel dimensions could not be read from its header (a damaged or truncated image).';
  const { width, height } = d;
  const pixels = width * height;
  if (width > budget.maxEdge || height > budget.maxEdge || pixels > budget.maxPixels) {
    return (
      `It is ${width}×${height} pixels (${formatPixels(pixels)}); images may be at most ${budget.maxEdge} pixels on a side ` +
      `and ${formatPixels(budget.maxPixels)} in all. Scale it down and upload it again.`
    );
  }
  return null;
}

function formatPixels(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} M pixels` : `${n} pixels`;
}

// ---- formats ------------------------------------------------------------------------------------

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngDimensions(b: Buffer): DimensionsResult {
  // The first chunk must be IHDR (length 13): width and height, 4 bytes each, big-endian.
  if (b.length < 24 || !b.subarray(0, 8).equals(PNG_SIGNATURE) || b.toString('latin1', 12, 16) !== 'IHDR')
    return 'unreadable';
  return sized(b.readUInt32BE(16), b.readUInt32BE(20));
}

/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegDimensions(b: Buffer): DimensionsResult {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return 'unreadable';
  let pos = 2;
  // One step per segment: linear in the file, whatever its markers say.
  while (pos + 4 <= b.length) {
    if (b[pos] !== 0xff) return 'unreadable';
    const marker = b[pos + 1];
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2; // standalone markers carry no length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return 'unreadable'; // end of image or scan data before any frame header
    const length = b.readUInt16BE(pos + 2);
    if (length < 2) return 'unreadable';
    if (JPEG_SOF.has(marker)) {
      if (pos + 9 > b.length) return 'unreadable';
      return sized(b.readUInt16BE(pos + 7), b.readUInt16BE(pos + 5));
    }
    pos += 2 + length;
  }
  return 'unreadable';
}

function gifDimensions(b: Buffer): DimensionsResult {
  if (b.length < 13 || !/^GIF8[79]a$/.test(b.toString('latin1', 0, 6))) return 'unreadable';
  let width = b.readUInt16LE(6);
  let height = b.readUInt16LE(8);
  // A frame may be larger than the logical screen: walk the blocks for the largest one.
  const flags = b[10];
  let pos = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
  const skipSubBlocks = (p: number): number => {
    while (p < b.length && b[p] !== 0) p += b[p] + 1;
    return p + 1;
  };
  while (pos < b.length) {
    const block = b[pos];
    if (block === 0x3b) break; // trailer
    if (block === 0x21) {
      pos = skipSubBlocks(pos + 2); // extension: label, then data sub-blocks
    } else if (block === 0x2c) {
      if (pos + 10 > b.length) break;
      const left = b.readUInt16LE(pos + 1);
      const top = b.readUInt16LE(pos + 3);
      width = Math.max(width, left + b.readUInt16LE(pos + 5));
      height = Math.max(height, top + b.readUInt16LE(pos + 7));
      const local = b[pos + 9];
      pos += 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0);
      pos = skipSubBlocks(pos + 1); // LZW minimum code size, then image data sub-blocks
    } else {
      break; // not a block: what follows is not read by decoders either
    }
  }
  return sized(width, height);
}

function webpDimensions(b: Buffer): DimensionsResult {
  if (b.length < 30 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WEBP')
    return 'unreadable';
  const chunk = b.toString('latin1', 12, 16);
  const d = 20; // the first chunk's data
  if (chunk === 'VP8X') return sized(b.readUIntLE(d + 4, 3) + 1, b.readUIntLE(d + 7, 3) + 1);
  if (chunk === 'VP8L') {
    if (b[d] !== 0x2f) return 'unreadable';
    const bits = b.readUInt32LE(d + 1);
    return sized((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8 ') {
    if (b[d + 3] !== 0x9d || b[d + 4] !== 0x01 || b[d + 5] !== 0x2a) return 'unreadable';
    return sized(b.readUInt16LE(d + 6) & 0x3fff, b.readUInt16LE(d + 8) & 0x3fff);
  }
  return 'unreadable';
}

/** CSS pixels per unit of the absolute SVG lengths (em/ex at the 16 px default font size). */
const SVG_UNITS: Record<string, number> = {
  '': 1,
  px: 1,
  pt: 4 / 3,
  pc: 16,
  mm: 96 / 25.4,
  cm: 96 / 2.54,
  in: 96,
  em: 16,
  ex: 8,
};

function svgLength(v: string | undefined): number | undefined {
  const m = /^\s*([+]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*(px|pt|pc|mm|cm|in|em|ex)?\s*$/i.exec(v ?? '');
  if (!m) return undefined; // absent, a percentage or nonsense: no intrinsic length
  const px = Number(m[1]) * SVG_UNITS[(m[2] ?? '').toLowerCase()];
  return Number.isFinite(px) && px > 0 ? px : undefined;
}

function svgDimensions(text: string): DimensionsResult {
  const tag = /<(?:[A-Za-z_][\w.-]*:)?svg\b([^>]*)>/.exec(text);
  if (!tag) return 'unreadable';
  const attr = (name: string) => new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(tag[1]);
  const value = (name: string) => {
    const m = attr(name);
    return m ? (m[1] ?? m[2]) : undefined;
  };
  let width = svgLength(value('width'));
  let height = svgLength(value('height'));
  const vb = (value('viewBox') ?? '')
    .trim()
    .split(/[\s,]+/)
    .map(Number);
  const ratio = vb.length === 4 && vb[2] > 0 && vb[3] > 0 ? vb[2] / vb[3] : undefined;
  if (ratio && width !== undefined && height === undefined) height = width / ratio;
  if (ratio && height !== undefined && width === undefined) width = height * ratio;
  if (width === undefined || height === undefined) return 'unsized';
  return sized(Math.ceil(width), Math.ceil(height));
}

function sized(width: number, height: number): DimensionsResult {
  return width > 0 && height > 0 ? { width, height } : 'unreadable';
}
