/**
 * Stored PNGs resampled to the resolution a PDF prints them at. Pure (pngjs in, pngjs out).
 *
 * Why: Chromium's PDF writer (Skia) does not keep a PNG as it is: it decodes it and writes every
 * pixel again, colour as Flate data and alpha as a soft mask (averaging the neighbours of each
 * transparent pixel), at the image's own pixel size, for every PDF. A signature scan of 400 × 120
 * px laid out 164 × 49 CSS px carries more pixels than any printer uses. Resampled once to
 * PRINT_PX_PER_CSS_PX device pixels per CSS pixel of its laid-out box (192 dpi: the PNG path's
 * default scale, above what a laser print of a logo or signature shows), Chromium has fewer pixels
 * to decode and write on every later PDF.
 *
 * Conservative on purpose: only PNGs whose chunks carry no colour management or animation (an
 * iCCP, gAMA, cHRM or acTL chunk would be lost by re-encoding: left as stored), and only when at
 * least half of the pixels go. Measured (bench/render/print-images.ts): images 1.3–1.8x more
 * pixels than needed (the sample logo and signatures) gain no Chromium CPU within the noise, and
 * resampled, anti-aliased pixels deflate worse (+15 % PDF bytes); 4x-oversized uploads cost 2.5x the
 * CPU of the whole PDF.
 */
import { PNG } from 'pngjs';

/** Device pixels per CSS pixel of the laid-out box an image is resampled to (2 = 192 dpi). */
export const PRINT_PX_PER_CSS_PX = 2;
/** Below this share of pixels saved, an image is left as stored (see above). */
const MIN_SAVING = 0.5;
/** Images above this many pixels are left as stored: decoding them in Node would block the event loop. */
const MAX_RESAMPLE_PIXELS = 12_000_000;

export interface Size {
  width: number;
  height: number;
}

/**
 * The pixel size an image of `natural` pixels needs for boxes of at most `box` CSS px, or null
 * when it should stay as stored. Scaled uniformly so that both sides keep ≥ `pxPerCssPx` pixels per
 * CSS pixel of the box (right for object-fit contain, cover and fill alike).
 */
export function printPixelSize(natural: Size, box: Size, pxPerCssPx = PRINT_PX_PER_CSS_PX): Size | null {
  if (!(natural.width > 0 && natural.height > 0 && box.width > 0 && box.height > 0)) return null;
  const s = Math.max((pxPerCssPx * box.width) / natural.width, (pxPerCssPx * box.height) / natural.height);
  if (s * s > 1 - MIN_SAVING) return null;
  return { width: Math.max(1, Math.ceil(natural.width * s)), height: Math.max(1, Math.ceil(natural.height * s)) };
}

/** Chunks a re-encoded PNG may lose without a visible change; anything else keeps the PNG as stored. */
const SAFE_CHUNKS = new Set([
  'IHDR',
  'PLTE',
  'IDAT',
  'IEND',
  'tRNS',
  'sRGB',
  'pHYs',
  'tEXt',
  'zTXt',
  'iTXt',
  'tIME',
  'bKGD',
]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Width and height of a PNG whose chunks are all safe to drop or rewrite and whose header says at
 * most MAX_RESAMPLE_PIXELS (judged before anything decodes it: a huge upload stays as stored), else null.
 */
export function resamplablePng(body: Uint8Array): Size | null {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (buf.length < 33 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
  let size: Size | null = null;
  for (let at = 8; at + 12 <= buf.length;) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (!SAFE_CHUNKS.has(type)) return null;
    if (type === 'IHDR') size = { width: buf.readUInt32BE(at + 8), height: buf.readUInt32BE(at + 12) };
    if (type === 'IEND') return size && size.width * size.height <= MAX_RESAMPLE_PIXELS ? size : null;
    at += 12 + len;
  }
  return null; // truncated
}

/**
 * `body` (a PNG of `natural` size) resampled to `target` by area averaging in premultiplied alpha
 * (no dark fringes at transparent edges); written without alpha when every pixel is opaque.
 * Null when the PNG cannot be decoded.
 */
export function resamplePng(body: Uint8Array, target: Size): Buffer | null {
  let src: PNG;
  try {
    src = PNG.sync.read(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  } catch {
    return null;
  }
  const rows = resampleAxis(premultiplied(src.data), src.width, src.height, target.width, 'x');
  const out = resampleAxis(rows, target.width, src.height, target.height, 'y');
  const png = new PNG({ width: target.width, height: target.height });
  let opaque = true;
  for (let i = 0; i < out.length; i += 4) {
    const a = out[i + 3];
    const k = a > 0 ? 255 / a : 0;
    png.data[i] = clamp(out[i] * k);
    png.data[i + 1] = clamp(out[i + 1] * k);
    png.data[i + 2] = clamp(out[i + 2] * k);
    png.data[i + 3] = clamp(a);
    if (png.data[i + 3] !== 255) opaque = false;
  }
  return PNG.sync.write(png, opaque ? { colorType: 2, inputHasAlpha: true } : { colorType: 6 });
}

const clamp = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

function premultiplied(rgba: Uint8Array): Float32Array {
  const out = new Float32Array(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3] / 255;
    out[i] = rgba[i] * a;
    out[i + 1] = rgba[i + 1] * a;
    out[i + 2] = rgba[i + 2] * a;
    out[i + 3] = rgba[i + 3];
  }
  return out;
}

/**
 * One axis of an area-average resample (each target pixel is the coverage-weighted mean of the
 * source pixels under it): `from` → `to` pixels along x or y, the other axis unchanged.
 */
function resampleAxis(src: Float32Array, w: number, h: number, to: number, axis: 'x' | 'y'): Float32Array {
  const from = axis === 'x' ? w : h;
  const outW = axis === 'x' ? to : w;
  const outH = axis === 'x' ? h : to;
  const out = new Float32Array(outW * outH * 4);
  const ratio = from / to;
  for (let t = 0; t < to; t++) {
    const start = t * ratio;
    const end = start + ratio;
    for (let s = Math.floor(start); s < Math.min(from, Math.ceil(end)); s++) {
      const weight = (Math.min(end, s + 1) - Math.max(start, s)) / ratio;
      if (weight <= 0) continue;
      const lines = axis === 'x' ? h : w;
      for (let l = 0; l < lines; l++) {
        const si = axis === 'x' ? (l * w + s) * 4 : (s * w + l) * 4;
        const oi = axis === 'x' ? (l * outW + t) * 4 : (t * outW + l) * 4;
        out[oi] += src[si] * weight;
        out[oi + 1] += src[si + 1] * weight;
        out[oi + 2] += src[si + 2] * weight;
        out[oi + 3] += src[si + 3] * weight;
      }
    }
  }
  return out;
}
