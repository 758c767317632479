/**
 * What the renderer learns about the stored PNGs of a template's layout, and the resampled copies
 * it makes of them (print-images.ts). In-process, bounded.
 *
 * A PNG's print resolution needs its laid-out box, which only a layout knows. The first PDF of a
 * layout (the CSS and the markup's structure: tags, classes, styles, no text or other attribute
 * values, so every certificate of one template and data shape shares it) is printed with the
 * images as stored, laid out at the page's size, and measured (image-boxes.ts); later PDFs of the
 * same layout get each image resampled to PRINT_PX_PER_CSS_PX pixels per CSS pixel of the
 * largest box it had. Only images every use of which is an <img> are resampled: a CSS background
 * has no box to measure.
 */
import { createHash } from 'node:crypto';
import { LruCache } from '../lru-cache.js';
import { printPixelSize, resamplablePng, resamplePng, type Size } from './print-images.js';

/** Layouts remembered (least recently used dropped first). */
const MAX_LAYOUTS = 500;
/** Resampled PNGs kept. */
const MAX_RESAMPLED = 200;

/** Attributes whose values can change a layout; the values of all others are per-certificate data. */
const LAYOUT_ATTRS = new Set(['class', 'id', 'style', 'width', 'height', 'sizes', 'type', 'dir', 'lang', 'hidden']);
const TAG = /<[^>]*>/g;
const ATTR = /([^\s"'=<>/]+)(\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;

/**
 * The layout a certificate belongs to: the CSS, the markup's tags with only their layout
 * attributes' values, and the markup's <style> blocks; not the text or other attribute values.
 */
export function layoutKey(html: string, css: string): string {
  const h = createHash('sha256').update(css).update('\0');
  for (const m of html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)) h.update(m[1]).update('\0');
  for (const [tag] of html.matchAll(TAG)) {
    const name = /^<\/?[^\s>/]*/.exec(tag)![0];
    h.update(name);
    for (const a of tag.slice(name.length).matchAll(ATTR))
      h.update(` ${a[1]}${LAYOUT_ATTRS.has(a[1].toLowerCase()) && a[3] ? `=${a[3]}` : ''}`);
    h.update('>');
  }
  return h.digest('base64url');
}

export class PrintImageSizes {
  /** layout → image service URL → largest box in CSS px (null: measured, never resampled) */
  private readonly layouts = new LruCache<string, Map<string, Size | null>>(MAX_LAYOUTS);
  private readonly resampled = new LruCache<string, Buffer | null>(MAX_RESAMPLED);
  private readonly digests = new WeakMap<object, string>();
  /** images resampled into a document (counts uses, not resamples) */
  used = 0;

  /** What is known of `serviceUrl` in `layout`: a box, null (not to resample), undefined (never measured). */
  box(layout: string, serviceUrl: string): Size | null | undefined {
    return this.layouts.get(layout)?.get(serviceUrl);
  }

  /** Records a layout's measured images; a box only grows (the largest use wins). */
  learn(layout: string, measured: ReadonlyMap<string, Size | null>): void {
    const images = this.layouts.get(layout) ?? new Map<string, Size | null>();
    for (const [url, box] of measured) {
      const had = images.get(url);
      if (had === null || box === null) images.set(url, null);
      else
        images.set(
          url,
          had ? { width: Math.max(had.width, box.width), height: Math.max(had.height, box.height) } : box,
        );
    }
    this.layouts.set(layout, images);
  }

  /**
   * `body` resampled for `box` (cached by content and size), or null when it stays as stored:
   * not a plain PNG, too large to decode here, already at most ~2x the box, or not decodable.
   */
  forBox(body: Buffer | Uint8Array, box: Size): Buffer | null {
    const natural = resamplablePng(body);
    const target = natural && printPixelSize(natural, box);
    if (!target) return null;
    const key = `${this.digest(body)}:${target.width}x${target.height}`;
    let out = this.resampled.get(key);
    if (out === undefined) {
      out = resamplePng(body, target);
      this.resampled.set(key, out);
    }
    if (out) this.used++;
    return out;
  }

  private digest(body: Buffer | Uint8Array): string {
    let d = this.digests.get(body);
    if (!d) {
      d = createHash('sha256').update(body).digest('base64url');
      this.digests.set(body, d);
    }
    return d;
  }
}
