/**
 * SVG sanitizing for uploaded images (pure: no I/O).
 *
 * The upload is parsed as XML by a small strict tokenizer and re-serialized from an allow-list,
 * so nothing the parser did not understand survives:
 *  - refused outright (the upload is not stored): not UTF-8, not well-formed, `<!DOCTYPE>` /
 *    `<!ENTITY>` (entity expansion, external entities), undefined entity references, a root
 *    element other than `<svg>`;
 *  - removed: `<script>`, `<foreignObject>`, animation elements (`<set>`, `<animate*>` can rewrite
 *    hrefs), any element not in the SVG allow-list or in another namespace (editor metadata),
 *    comments, processing instructions (`<?xml-stylesheet?>` loads CSS), `on*` event attributes,
 *    attributes in other namespaces, `href`/`xlink:href` other than `#fragment` or a `data:`
 *    raster image, `url(…)` other than `#fragment` or a `data:` raster image, CSS `@import`,
 *    and any CSS containing escapes (which could spell out a URL the checks would miss);
 *  - refused as beyond our limits (SvgLimitError): elements nested more than MAX_SVG_DEPTH (400)
 *    levels, more than MAX_SVG_ELEMENTS elements. Parsing, cleaning and serializing are iterative
 *    (no recursion), so depth never touches the call stack.
 *
 * The public image route also serves SVG with `Content-Security-Policy: default-src 'none'`, so
 * this is not the only wall.
 */
import { parse, serialize, SvgRejectedError, type ElementNode } from './svg-xml.js';

export { MAX_SVG_DEPTH, MAX_SVG_ELEMENTS, SvgLimitError, SvgRejectedError, SvgTooDeepError } from './svg-xml.js';

export interface SanitizedSvg {
  svg: string;
  /** What was removed, for logs and tests (`<script>`, `onload=`, `href="http://…"` …). */
  removed: string[];
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

const ALLOWED_ELEMENTS = new Set([
  'svg',
  'g',
  'defs',
  'symbol',
  'use',
  'title',
  'desc',
  'switch',
  'view',
  'a',
  'style',
  'path',
  'rect',
  'circle',
  'ellipse',
  'line',
  'polyline',
  'polygon',
  'text',
  'tspan',
  'textPath',
  'image',
  'linearGradient',
  'radialGradient',
  'stop',
  'pattern',
  'clipPath',
  'mask',
  'marker',
  'filter',
  'feBlend',
  'feColorMatrix',
  'feComponentTransfer',
  'feComposite',
  'feConvolveMatrix',
  'feDiffuseLighting',
  'feDisplacementMap',
  'feDistantLight',
  'feDropShadow',
  'feFlood',
  'feFuncA',
  'feFuncB',
  'feFuncG',
  'feFuncR',
  'feGaussianBlur',
  'feImage',
  'feMerge',
  'feMergeNode',
  'feMorphology',
  'feOffset',
  'fePointLight',
  'feSpecularLighting',
  'feSpotLight',
  'feTile',
  'feTurbulence',
]);
/** Prefixed attributes that are kept (everything else with a prefix belongs to editors or is unknown). */
const ALLOWED_PREFIXED_ATTRIBUTES = new Set(['xlink:href', 'xml:space', 'xml:lang']);

const SAFE_DATA_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$/i;

/** Whether the bytes are an SVG document: (BOM,) prolog, comments, then an `<svg>` root element. */
export function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 4096))
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const m =
    /^(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>)*<([A-Za-z_][\w.-]*:)?svg[\s/>]/.exec(
      head,
    );
  return m !== null;
}

export function sanitizeSvg(bytes: Uint8Array): SanitizedSvg {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SvgRejectedError('SVG must be UTF-8 encoded.');
  }
  text = text.replace(/^\uFEFF/, '');
  const root = parse(text);
  const localRoot = localName(root.name);
  if (localRoot !== 'svg') throw new SvgRejectedError('The root element must be <svg>.');
  const removed: string[] = [];
  const clean = cleanElement(root, removed);
  if (!clean) throw new SvgRejectedError('The root element must be <svg>.');
  // Every kept element is in the SVG namespace; declare it (and xlink) once, on the root.
  clean.attrs = clean.attrs.filter(([n]) => n !== 'xmlns' && !n.startsWith('xmlns:'));
  clean.attrs.unshift(['xmlns', SVG_NS], ['xmlns:xlink', XLINK_NS]);
  return { svg: serialize(clean), removed };
}

// ---------------------------------------------------------------------------------------------
// Cleaning

function localName(name: string): string {
  return name.startsWith('svg:') ? name.slice(4) : name;
}

/**
 * The allowed copy of an element and its subtree (null when the element itself is removed): a
 * depth-first walk with an explicit stack, in document order (so `removed` reads top to bottom).
 */
function cleanElement(root: ElementNode, removed: string[]): ElementNode | null {
  const top = cleanShallow(root, removed);
  if (!top) return null;
  const stack: Array<{ from: ElementNode; to: ElementNode; next: number }> = [{ from: root, to: top, next: 0 }];
  while (stack.length) {
    const frame = stack[stack.length - 1];
    if (frame.to.name === 'style' || frame.next >= frame.from.children.length) {
      stack.pop();
      continue;
    }
    const child = frame.from.children[frame.next++];
    if ('text' in child) {
      frame.to.children.push(child);
      continue;
    }
    const c = cleanShallow(child, removed);
    if (!c) continue;
    frame.to.children.push(c);
    stack.push({ from: child, to: c, next: 0 });
  }
  return top;
}

/** The element's allowed copy with its attributes (and a `<style>`'s cleaned CSS), without children. */
function cleanShallow(el: ElementNode, removed: string[]): ElementNode | null {
  const name = localName(el.name);
  if (!ALLOWED_ELEMENTS.has(name) || (name === 'svg' && el.name.includes(':') && !el.name.startsWith('svg:'))) {
    removed.push(`<${el.name}>`);
    return null;
  }
  const out: ElementNode = { name, attrs: [], children: [] };
  for (const [attr, value] of el.attrs) {
    const problem = attributeProblem(attr, value);
    if (problem) {
      // Namespace declarations are rewritten on the root, not worth reporting.
      if (!(attr === 'xmlns' || attr.startsWith('xmlns:'))) removed.push(problem);
      continue;
    }
    out.attrs.push([attr, value]);
  }
  if (name === 'style') {
    const css = el.children.map((c) => ('text' in c ? c.text : '')).join('');
    const clean = cleanCss(css, removed);
    if (clean.trim()) out.children.push({ text: clean });
  }
  return out;
}

/** Why the attribute is removed, or null to keep it. */
function attributeProblem(attr: string, value: string): string | null {
  const lower = attr.toLowerCase();
  if (lower === 'xmlns' || lower.startsWith('xmlns:')) return `${attr}=`;
  if (attr.includes(':') && !ALLOWED_PREFIXED_ATTRIBUTES.has(attr)) return `${attr}=`;
  if (/^on/i.test(localName(attr))) return `${attr}=`;
  const compact = value.replace(/[\u0000-\u0020]+/g, '');
  if (/^(javascript|vbscript|data:text|data:application)/i.test(compact)) return `${attr}="${short(value)}"`;
  if (lower === 'href' || lower === 'xlink:href') {
    return isSafeReference(value.trim()) ? null : `${attr}="${short(value)}"`;
  }
  if (lower === 'style') {
    const removedHere: string[] = [];
    const clean = cleanCss(value, removedHere);
    return removedHere.length || clean !== value ? `style="${short(value)}"` : null;
  }
  for (const m of value.matchAll(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*))\s*\)/gi)) {
    if (!isSafeReference((m[1] ?? m[2] ?? m[3] ?? '').trim())) return `${attr}="${short(value)}"`;
  }
  if (/url\s*\(/i.test(value) && !/url\(/i.test(value)) return `${attr}="${short(value)}"`;
  return null;
}

function isSafeReference(v: string): boolean {
  return /^#[\w.:-]*$/.test(v) || SAFE_DATA_IMAGE.test(v);
}

/**
 * CSS from `<style>` or a `style=` attribute: anything with escapes is dropped (they can spell
 * `url` or a scheme past any check); `@import` rules and declarations loading from outside are
 * removed.
 */
function cleanCss(css: string, removed: string[]): string {
  const noComments = css.replace(/\/\*[\s\S]*?(\*\/|$)/g, '');
  if (noComments.includes('\\')) {
    removed.push('CSS with escapes');
    return '';
  }
  let out = noComments.replace(/@import[^;]*;?/gi, (m) => {
    removed.push(short(m.trim()));
    return '';
  });
  out = out.replace(/(expression|-moz-binding|behavior)\s*[(:]/gi, (m) => {
    removed.push(short(m));
    return 'x-removed(';
  });
  out = out.replace(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*))\s*\)/gi, (m, a, b, c) => {
    const target = ((a ?? b ?? c ?? '') as string).trim();
    if (isSafeReference(target)) return m;
    removed.push(`url(${short(target)})`);
    return 'none';
  });
  out = out.replace(/image-set\s*\(/gi, (m) => {
    removed.push(m);
    return 'x-removed(';
  });
  // A `url(` left unbalanced (never closed) would swallow the rest: drop what follows it.
  if (/url\s*\(/i.test(out.replace(/url\(\s*(?:"[^"]*"|'[^']*'|[^)]*)\s*\)/gi, ''))) {
    removed.push('unbalanced url(');
    return '';
  }
  return out;
}

function short(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}
