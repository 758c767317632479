/**
 * Reading markup as a browser does, for the template checks (template-check.ts, at save time) and
 * for the render path (template.ts, after Handlebars has merged the values): start tags and their
 * attributes, character references decoded with the full HTML5 table (`entities`), the URL
 * attributes, and what makes a URL unsafe however it is spelled (`java&Tab;script:`,
 * `&#106;avascript:`, ` JaVa\tScRiPt:`, `\6a avascript:` in CSS…).
 *
 * Everything here is linear in the length of the text.
 */
import { decodeHTMLAttribute, DecodingMode, EntityDecoder, htmlDecodeTree } from 'entities/decode';
import { cssUnescape, scanCssRefs } from './css-scan.js';

export { decodeHTMLAttribute };

export interface ScannedAttr {
  name: string;
  value: string | undefined;
  /** where the value's text lies in the scanned string (quotes excluded) */
  start: number;
  end: number;
  quoted: boolean;
}
export interface ScannedTag {
  index: number;
  /** just after the tag's `>` (or the end of the text) */
  end: number;
  name: string;
  attrs: ScannedAttr[];
}

const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f';
const isTagStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 1;

/**
 * Start tags as the HTML tokenizer reads them (WHATWG 13.2.5): a quote inside an unquoted value,
 * or at the start of an attribute name, is just a character there. A regex that expects quotes to
 * pair loses the whole tag on `alt=a"b`, and with it every attribute after it. (U+0001 may start
 * a tag name: the template checks mask merge tags with it.)
 */
export function scanStartTags(html: string): ScannedTag[] {
  const tags: ScannedTag[] = [];
  forEachStartTag(html, (t) => tags.push(t));
  return tags;
}

/**
 * Calls `visit` with each start tag in order (nothing kept: a 256 KiB template of tags would
 * otherwise hold ~90,000 objects at once, and the garbage collector then costs more than the scan).
 */
export function forEachStartTag(html: string, visit: (tag: ScannedTag) => void): void {
  const n = html.length;
  const nameEnd = (j: number, alsoEq: boolean) => {
    while (j < n && !isSpace(html[j]) && html[j] !== '/' && html[j] !== '>' && !(alsoEq && html[j] === '=')) j++;
    return j;
  };
  let i = 0;
  while ((i = html.indexOf('<', i)) !== -1) {
    const index = i;
    if (!isTagStart(html.charCodeAt(i + 1))) {
      i++; // `< img` is text to a browser, not a tag
      continue;
    }
    let j = nameEnd(i + 1, false);
    const name = html.slice(i + 1, j);
    const attrs: ScannedAttr[] = [];
    for (;;) {
      while (j < n && (isSpace(html[j]) || html[j] === '/')) j++;
      if (j >= n || html[j] === '>') break;
      const attrStart = j;
      j = nameEnd(j + 1, true); // the first character may be '=' or a quote: part of the name
      const attr = html.slice(attrStart, j);
      let k = j;
      while (k < n && isSpace(html[k])) k++;
      if (html[k] !== '=') {
        attrs.push({ name: attr, value: undefined, start: j, end: j, quoted: false });
        continue;
      }
      k++;
      while (k < n && isSpace(html[k])) k++;
      const q = html[k];
      if (q === '"' || q === "'") {
        const close = html.indexOf(q, k + 1);
        const end = close === -1 ? n : close;
        attrs.push({ name: attr, value: html.slice(k + 1, end), start: k + 1, end, quoted: true });
        j = close === -1 ? n : close + 1;
      } else {
        let e = k;
        while (e < n && !isSpace(html[e]) && html[e] !== '>') e++;
        attrs.push({ name: attr, value: html.slice(k, e), start: k, end: e, quoted: false });
        j = e;
      }
    }
    const end = j < n ? j + 1 : n;
    visit({ index, end, name, attrs });
    i = end;
  }
}

/** A decoded string and, for each of its UTF-16 units, the index in the source it came from. */
export interface Mapped {
  text: string;
  /** map[i] = source index of text[i]; map[text.length] = source length */
  map: Int32Array;
}

/**
 * Text with its character references decoded (the full HTML5 table; `mode` Legacy for text,
 * Attribute for attribute values) keeping the way back to the source (for line numbers and cuts).
 * A reference never decodes to more UTF-16 units than it is long, so the map fits the source size.
 */
let emitted = '';
const decoder = new EntityDecoder(htmlDecodeTree, (cp) => {
  emitted += String.fromCodePoint(cp);
});

export function decodeHtmlMapped(input: string, mode: DecodingMode = DecodingMode.Legacy): Mapped {
  const map = new Int32Array(input.length + 1);
  if (!input.includes('&')) {
    for (let k = 0; k <= input.length; k++) map[k] = k;
    return { text: input, map };
  }
  const chunks: string[] = [];
  let n = 0;
  emitted = '';
  const copy = (from: number, to: number) => {
    if (to <= from) return;
    chunks.push(input.slice(from, to));
    for (let k = from; k < to; k++) map[n++] = k;
  };
  const flush = (at: number) => {
    chunks.push(emitted);
    for (let k = 0; k < emitted.length; k++) map[n++] = at;
    emitted = '';
  };
  let last = 0;
  let offset = 0;
  while ((offset = input.indexOf('&', offset)) >= 0) {
    copy(last, offset);
    decoder.startEntity(mode);
    const length = decoder.write(input, offset + 1);
    if (length < 0) {
      last = offset + decoder.end();
      flush(offset);
      break;
    }
    flush(offset);
    last = offset + length;
    offset = length === 0 ? last + 1 : last;
  }
  copy(last, input.length);
  map[n] = input.length;
  return { text: chunks.join(''), map: map.subarray(0, n + 1) };
}

/** `data:` URLs a certificate may load: images and fonts (the QR code is one). */
export const SAFE_DATA = new RegExp(
  '^data:(image/(png|jpe?g|gif|webp|avif|svg\\+xml)|font/[a-z0-9.+-]+' +
    '|application/(font-woff2?|x-font-woff|font-sfnt|vnd\\.ms-fontobject|x-font-ttf|x-font-opentype))[;,]',
  'i',
);

/**
 * What a URL attribute does with its URL: `link` = followed on a click, never fetched (a/area
 * href, cite); `image` = fetched as an image or font (`data:` images allowed); `resource` = any
 * other fetch or navigation (form actions, manifests, plugin code: no `data:`).
 */
export type UrlKind = 'link' | 'image' | 'resource';
const LINK_ATTRS = new Set(['cite', 'longdesc']);
const IMAGE_ATTRS = new Set([
  'src',
  'srcset',
  'imagesrcset',
  'poster',
  'background',
  'lowsrc',
  'dynsrc',
  'data',
  'href',
  'xlink:href',
]);
const RESOURCE_ATTRS = new Set([
  'action',
  'formaction',
  'codebase',
  'archive',
  'manifest',
  'ping',
  'icon',
  'profile',
  'classid',
]);

/** The kind of URL attribute `attr` is on element `element` (both lower-case), or null. */
export function urlAttributeKind(element: string, attr: string): UrlKind | null {
  if ((attr === 'href' || attr === 'xlink:href') && (element === 'a' || element === 'area')) return 'link';
  if (LINK_ATTRS.has(attr)) return 'link';
  if (IMAGE_ATTRS.has(attr)) return 'image';
  if (RESOURCE_ATTRS.has(attr)) return 'resource';
  return null;
}

/**
 * The URLs of a decoded attribute value: srcset lists several, each maybe followed by a width or
 * density descriptor. Only a well-formed descriptor is taken off, so whatever else follows the
 * URL (`java<TAB>script:…`) stays part of it and is judged with it.
 */
export function urlsOfAttribute(attr: string, decoded: string): string[] {
  if (attr !== 'srcset' && attr !== 'imagesrcset') return [decoded];
  return decoded.split(',').map((x) => x.trim().replace(/[ \t\n\r\f]+[0-9.]+[wx]$/i, ''));
}

/** The URL as the URL parser takes it: ASCII tab and newline dropped anywhere, C0 and space trimmed. */
export function browserUrl(raw: string): string {
  return raw.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
}
/** The URL's scheme (lower-case) as the URL parser reads it, or null for a relative URL. */
export function urlScheme(raw: string): string | null {
  return /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(browserUrl(raw))?.[1]?.toLowerCase() ?? null;
}
/** The URL with every control, format and space character removed, lower-case: what no spelling hides. */
function squeezed(raw: string): string {
  return raw.replace(/[\p{Cc}\p{Cf}\p{Z}]/gu, '').toLowerCase();
}

/** `javascript` or `vbscript` when the (decoded) value is a script URL in any spelling, else null. */
export function scriptScheme(raw: string): string | null {
  return /^(javascript|vbscript):/.exec(squeezed(raw))?.[1] ?? null;
}

/**
 * Why a (decoded) URL may never be used, whatever the allow-list: a script URL in any spelling,
 * a `data:` URL other than an image or font (or any `data:` outside `image` attributes), and for
 * `link`/`resource` kinds any scheme but http(s), mailto and tel. Null when none applies.
 */
export function unsafeUrl(raw: string, kind: UrlKind): string | null {
  const sq = squeezed(raw);
  const script = scriptScheme(raw);
  if (script) return `${script}: URLs are not allowed`;
  const plain = browserUrl(raw);
  const scheme = urlScheme(raw);
  if (scheme === 'data' || sq.startsWith('data:')) {
    if (kind === 'image' && SAFE_DATA.test(plain) && SAFE_DATA.test(sq)) return null;
    return kind === 'image' ? 'data: URLs are allowed only for images and fonts' : 'data: URLs are not allowed here';
  }
  if (kind !== 'image' && scheme && !['http', 'https', 'mailto', 'tel'].includes(scheme)) {
    return `links may only use http(s), mailto or tel (got ${scheme}:)`;
  }
  return null;
}

/**
 * Whether CSS text spells `javascript:` or `vbscript:` anywhere, escapes decoded and controls and
 * spaces removed. No stylesheet needs to; a URL that a CSS tokenizer reads differently from us
 * (a bad string, a bad url) is caught by this even where scanCssRefs() sees no URL.
 */
export function cssSpellsScriptUrl(css: string): boolean {
  return /(javascript|vbscript):/.test(squeezed(cssUnescape(css)));
}

/** Whether CSS text (a style attribute, an SVG presentation attribute…) holds an unsafe url(). */
function cssHasUnsafeUrl(attr: string, css: string): boolean {
  if (attr !== 'style' && !/url|image-set|\\/i.test(css)) return false;
  if (cssSpellsScriptUrl(css)) return true;
  return scanCssRefs(css).some((r) => r.kind !== 'import' && unsafeUrl(r.url, 'image') !== null);
}

interface Cut {
  start: number;
  end: number;
  text: string;
}

/** Cuts for the unsafe url()s of CSS text that lies at `base` in the source (through `map`, if decoded). */
function cssCuts(css: string, base: number, map: Int32Array | null, cuts: Cut[]): void {
  for (const r of scanCssRefs(css)) {
    if (r.kind === 'import' || unsafeUrl(r.url, 'image') === null) continue;
    const at = (i: number) => base + (map ? map[i] : i);
    cuts.push({ start: at(r.start), end: at(r.end), text: r.kind === 'image-set' ? '""' : 'url()' });
  }
}

function applyCuts(text: string, cuts: Cut[]): string {
  if (cuts.length === 0) return text;
  cuts.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: string[] = [];
  let pos = 0;
  for (const c of cuts) {
    if (c.end <= pos) continue; // inside a cut already made
    const start = Math.max(c.start, pos);
    out.push(text.slice(pos, start), start === c.start ? c.text : '');
    pos = c.end;
  }
  out.push(text.slice(pos));
  return out.join('');
}

/**
 * The text of every `<style>` element (`styles`: their start tags, in order): from its start tag
 * to the next `</style` or `<style`, whichever comes first. Cutting at the next `<style` keeps the
 * regions disjoint (one pass over the text however many start tags there are) and reads a
 * `<style>` nested in SVG on its own.
 */
export function styleRegions(html: string, styles: readonly ScannedTag[]): { start: number; end: number }[] {
  const ends = [...html.matchAll(/<\/style(?=[\s/>]|$)/gi)].map((m) => m.index ?? 0);
  const regions: { start: number; end: number }[] = [];
  let e = 0;
  styles.forEach((tag, k) => {
    while (e < ends.length && ends[e] < tag.end) e++;
    const end = Math.min(ends[e] ?? html.length, styles[k + 1]?.index ?? html.length);
    if (end > tag.end) regions.push({ start: tag.end, end });
  });
  return regions;
}

/**
 * Merged markup with every unsafe URL defused: links (`<a>`/`<area>` href, cite) that are not
 * http(s), mailto, tel or relative become `#`; script URLs and non-image `data:` URLs in any other
 * URL attribute, in style (and presentation) attributes and in `<style>` elements are emptied.
 * The write-time checks pass URLs that start with a merge value; what the value turns out to be
 * (a `javascript:` field, say) is only known here, and Chromium keeps links in the PDF.
 */
export function neutralizeMarkup(html: string): string {
  const cuts: Cut[] = [];
  const styles: ScannedTag[] = [];
  forEachStartTag(html, (tag) => {
    const element = tag.name.toLowerCase();
    if (element === 'style') styles.push(tag);
    for (const a of tag.attrs) {
      if (a.value === undefined) continue;
      const attr = a.name.toLowerCase();
      const decoded = decodeHTMLAttribute(a.value);
      const kind = urlAttributeKind(element, attr);
      const badUrl = kind !== null && urlsOfAttribute(attr, decoded).some((u) => unsafeUrl(u, kind) !== null);
      const bad = badUrl || cssHasUnsafeUrl(attr, decoded);
      if (bad) cuts.push({ start: a.start, end: a.end, text: kind === 'link' ? '#' : a.quoted ? '' : '""' });
    }
  });
  for (const { start, end } of styleRegions(html, styles)) {
    const css = neutralizeStylesheet(html.slice(start, end), true);
    if (css !== null) cuts.push({ start, end, text: css });
  }
  return applyCuts(html, cuts);
}

/**
 * A stylesheet with its unsafe url()s emptied, or null when it has none. `markup`: the text of a
 * <style> element, read both raw (HTML) and with character references decoded (inside <svg>). What
 * still spells a script URL after the cuts (a spelling a tokenizer reads otherwise) drops it whole.
 */
function neutralizeStylesheet(css: string, markup: boolean): string | null {
  const cuts: Cut[] = [];
  cssCuts(css, 0, null, cuts);
  if (markup && css.includes('&')) {
    const decoded = decodeHtmlMapped(css);
    cssCuts(decoded.text, 0, decoded.map, cuts);
  }
  const out = applyCuts(css, cuts);
  if (cssSpellsScriptUrl(out) || (markup && cssSpellsScriptUrl(decodeHTMLAttribute(out)))) return '';
  return cuts.length ? out : null;
}

/** Merged CSS (the css_template) with every unsafe url() emptied. */
export function neutralizeCss(css: string): string {
  return neutralizeStylesheet(css, false) ?? css;
}
