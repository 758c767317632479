/** The markup and CSS side of the write-time check: elements, attributes and every URL they load. */
import { DecodingMode } from 'entities/decode';
import { scanCssRefs } from './css-scan.js';
import {
  cssSpellsScriptUrl,
  decodeHtmlMapped,
  forEachStartTag,
  scriptScheme,
  styleRegions,
  urlAttributeKind,
  urlsOfAttribute,
  type ScannedAttr,
  type ScannedTag,
} from './html-scan.js';
import type { Collector, Which } from './template-problems.js';
import { MASK, urlProblem, type Prefixes } from './template-urls.js';

/** Replaces merge tags by MASK runs (keeping newlines); Handlebars comments vanish (keeping newlines). */
const keepNewlines = (s: string, ch: string) => s.replace(/[^\n]/g, ch);
/**
 * One pass with indexOf: a regex with lazy `[\s\S]*?` rescans to the end of the text for every
 * unclosed `{{`, which is quadratic. Once a closer is missing, no later opener can close either.
 */
function maskMustaches(text: string): string {
  const out: string[] = [];
  let pos = 0;
  for (let i = text.indexOf('{{'); i !== -1; i = text.indexOf('{{', pos)) {
    const closer = text.startsWith('{{!--', i) ? '--}}' : text.startsWith('{{{', i) ? '}}}' : '}}';
    const close = text.indexOf(closer, i + 2);
    if (close === -1) break;
    const end = close + closer.length;
    out.push(text.slice(pos, i), keepNewlines(text.slice(i, end), text.startsWith('{{!', i) ? '' : MASK));
    pos = end;
  }
  out.push(text.slice(pos));
  return out.join('');
}

/** Line numbers by binary search over the line starts, computed once (a rescan per tag is quadratic). */
function lineIndex(text: string): (index: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

const REFUSED_ELEMENTS = new Set([
  'script',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'base',
  'link',
  'portal',
  'fencedframe',
  'set',
  'animate',
  'animatemotion',
  'animatetransform',
  'discard',
  'param',
]);
const REFUSED_ATTRIBUTES = new Map([
  ['srcdoc', 'srcdoc= is not allowed'],
  ['ping', 'ping= is not allowed'],
]);
const KIND_AT_SAVE = { link: 'link', image: 'load', resource: 'resource' } as const;

export function checkHtml(original: string, prefixes: Prefixes, c: Collector): void {
  const which: Which = 'html_template';
  const masked = maskMustaches(original);
  const lineOf = lineIndex(masked);
  const styles: ScannedTag[] = [];
  forEachStartTag(masked, (m) => {
    const line = lineOf(m.index);
    if (m.name.includes(MASK)) return c.add(which, line, 'merge tags may not form element names');
    const name = m.name.toLowerCase();
    if (name === 'style') styles.push(m);
    if (REFUSED_ELEMENTS.has(name)) c.add(which, line, `<${name}> elements are not allowed`);
    for (const a of m.attrs) checkAttribute(name, a, lineOf, prefixes, c);
  });
  for (const { start, end } of styleRegions(masked, styles)) {
    const css = masked.slice(start, end);
    // raw text in HTML; in <svg> a <style> is markup, its references decoded: check both readings
    scanCss(which, css, (i) => lineOf(start + i), prefixes, c);
    if (css.includes('&')) {
      const d = decodeHtmlMapped(css);
      scanCss(which, d.text, (i) => lineOf(start + d.map[i]), prefixes, c);
    }
  }
}

function checkAttribute(
  element: string,
  a: ScannedAttr,
  lineOf: (i: number) => number,
  prefixes: Prefixes,
  c: Collector,
): void {
  const which: Which = 'html_template';
  const line = lineOf(a.start);
  const attr = a.name.toLowerCase();
  if (/^\u0001+$/.test(attr) && a.value === undefined) return; // a block helper or value between attributes
  if (attr.includes(MASK)) return c.add(which, line, 'merge tags may not form attribute names');
  if (attr.startsWith('on')) return c.add(which, line, `event handler attributes (${attr}=) are not allowed`);
  if (attr === 'http-equiv') return c.add(which, line, `<${element} http-equiv> is not allowed`);
  const refused = REFUSED_ATTRIBUTES.get(attr);
  if (refused) return c.add(which, line, refused);
  if (a.value === undefined) return;
  const decoded = a.value.includes('&')
    ? decodeHtmlMapped(a.value, DecodingMode.Attribute)
    : { text: a.value, map: null };
  const kind = urlAttributeKind(element, attr);
  if (kind) {
    for (const u of urlsOfAttribute(attr, decoded.text)) {
      const problem = urlProblem(u, KIND_AT_SAVE[kind], prefixes);
      if (problem) c.add(which, line, `<${element} ${attr}="${shorten(u)}"> ${problem}`);
    }
  } else {
    const script = scriptScheme(decoded.text);
    if (script) c.add(which, line, `${attr}= uses a ${script}: URL`);
  }
  // CSS in style= and in SVG presentation attributes (fill="url(…)"…)
  if (attr === 'style' || /url|image-set|@|\\/i.test(decoded.text)) {
    scanCss(which, decoded.text, (i) => lineOf(a.start + (decoded.map ? decoded.map[i] : i)), prefixes, c);
  }
}

export function checkCss(which: Which, original: string, prefixes: Prefixes, c: Collector): void {
  const masked = maskMustaches(original);
  const lineOf = lineIndex(masked);
  const styleEnd = masked.search(/<\/style/i);
  if (styleEnd !== -1) c.add(which, lineOf(styleEnd), '"</style" is not allowed in CSS');
  const markup = masked.search(/<!--|-->|<script/i);
  if (markup !== -1) c.add(which, lineOf(markup), 'HTML markup is not allowed in CSS');
  scanCss(which, masked, lineOf, prefixes, c);
}

/** Checks the url(), image-set() and @import of CSS text (as a CSS tokenizer reads it). */
function scanCss(which: Which, css: string, lineOf: (i: number) => number, prefixes: Prefixes, c: Collector): void {
  for (const r of scanCssRefs(css)) {
    if (r.kind === 'import') {
      c.add(which, lineOf(r.start), '@import is not allowed');
      continue;
    }
    const problem = urlProblem(r.url, 'load', prefixes);
    if (!problem) continue;
    const what = r.kind === 'url' ? `url(${shorten(r.url)})` : `image-set("${shorten(r.url)}")`;
    c.add(which, lineOf(r.start), `${what} ${problem}`);
  }
  if (cssSpellsScriptUrl(css)) c.add(which, lineOf(0), 'CSS may not spell javascript: or vbscript: (in any escaping)');
  // src: in @font-face with a bare string is not valid CSS, but local() is harmless; nothing else loads.
}

function shorten(u: string): string {
  const t = u.replace(/\u0001+/g, '{{…}}');
  return t.length > 80 ? `${t.slice(0, 77)}…` : t;
}
