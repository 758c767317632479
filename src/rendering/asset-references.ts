/**
 * Image references of a merged template that can be inlined as data: URLs before the document
 * reaches Chromium. Pure text work: which URLs appear where, and the text with some replaced.
 *
 * Why: every image Chromium fetches is a CDP Fetch round trip (browser process → Node → base64
 * back), which costs more than the decoding itself (bench/render: ~19 ms of Chromium CPU per
 * certificate with a logo and two signatures). Only the two plain forms are recognised — a quoted
 * `src="…"` attribute and a CSS `url(…)` — and only values with no character reference in them;
 * anything else (srcset, unquoted, entity-encoded) still goes through the interceptor.
 */

/** One place in the text where an image URL is written. */
export interface AssetReference {
  /** the URL as written */
  raw: string;
  /** offset of `raw` in the text */
  start: number;
}

/** a src attribute inside a start tag (not the same words in text) */
const SRC_ATTR = /<[a-z][^<>]*?\ssrc\s*=\s*(["'])([^"'<>\s&]+)\1/dgi;
const CSS_URL = /url\(\s*(["']?)([^"'()\s&\\]+)\1\s*\)/dgi;

/** The src attributes and CSS url()s of `text` (HTML with inline styles, or CSS). */
export function findAssetReferences(text: string, kind: 'html' | 'css'): AssetReference[] {
  const refs: AssetReference[] = [];
  const collect = (re: RegExp) => {
    for (const m of text.matchAll(re)) refs.push({ raw: m[2], start: m.indices![2][0] });
  };
  if (kind === 'html') collect(SRC_ATTR);
  collect(CSS_URL);
  return refs.sort((a, b) => a.start - b.start);
}

/**
 * `text` with each reference whose URL `replacement` answers replaced by that answer; references
 * it answers with undefined are left as written.
 */
export function replaceAssetReferences(
  text: string,
  refs: readonly AssetReference[],
  replacement: (raw: string) => string | undefined,
): string {
  let out = '';
  let at = 0;
  for (const ref of refs) {
    if (ref.start < at) continue; // overlapping match (a url() inside a src value): first one wins
    const to = replacement(ref.raw);
    if (to === undefined) continue;
    out += text.slice(at, ref.start) + to;
    at = ref.start + ref.raw.length;
  }
  return out + text.slice(at);
}
