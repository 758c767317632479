/**
 * The places a stylesheet can load from, found the way a CSS tokenizer reads them (CSS Syntax 3):
 * `url(…)` (also spelled with escapes, `\75 rl(`), the strings of `image-set()`, and `@import`.
 *
 * One pass over the raw text, linear in its length: comments, strings and escapes are read in
 * order, so a `/*` inside a string hides nothing and `\6a avascript:` reads as `javascript:`.
 */

export interface CssRef {
  /** `url(…)`, a string inside `image-set(…)`, or `@import` */
  kind: 'url' | 'image-set' | 'import';
  /** the URL as the browser reads it (escapes decoded, whitespace trimmed); '' for @import */
  url: string;
  /** where the whole construct (`url(…)`, the string, `@import`) lies in the scanned text */
  start: number;
  end: number;
}

const IMAGE_SET = new Set(['image-set', '-webkit-image-set']);

const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
const isNameStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 0x80;
const isName = (c: number) => isNameStart(c) || (c >= 48 && c <= 57) || c === 45;

/** Reads the escape after the backslash at `i`; returns the text and where it ends. */
function readEscape(css: string, i: number): [string, number] {
  let j = i + 1;
  if (j >= css.length) return ['\ufffd', j];
  if (!isHex(css.charCodeAt(j))) return [css[j], j + 1];
  const start = j;
  while (j < css.length && j - start < 6 && isHex(css.charCodeAt(j))) j++;
  const cp = parseInt(css.slice(start, j), 16);
  if (j < css.length && isSpace(css.charCodeAt(j))) j += css.startsWith('\r\n', j) ? 2 : 1;
  const ok = cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
  return [ok ? String.fromCodePoint(cp) : '\ufffd', j];
}

const validEscape = (css: string, i: number) => css.charCodeAt(i) === 92 && css.charCodeAt(i + 1) !== 10;
/** Whether an ident (a name, maybe of a function) starts at `i` (CSS Syntax 4.3.9). */
function startsIdent(css: string, i: number): boolean {
  const c = css.charCodeAt(i);
  if (isNameStart(c) || validEscape(css, i)) return true;
  const d = css.charCodeAt(i + 1);
  return c === 45 && (isNameStart(d) || d === 45 || validEscape(css, i + 1));
}

function readName(css: string, i: number): [string, number] {
  let name = '';
  let j = i;
  while (j < css.length) {
    const c = css.charCodeAt(j);
    if (isName(c)) {
      const s = j;
      while (j < css.length && isName(css.charCodeAt(j))) j++;
      name += css.slice(s, j);
    } else if (validEscape(css, j)) {
      const [t, k] = readEscape(css, j);
      name += t;
      j = k;
    } else break;
  }
  return [name, j];
}

function readString(css: string, i: number): [string, number] {
  const q = css.charCodeAt(i);
  let value = '';
  let j = i + 1;
  while (j < css.length) {
    const c = css.charCodeAt(j);
    if (c === q) return [value, j + 1];
    if (c === 10) return [value, j]; // a bad string ends at the newline
    if (c === 92) {
      if (j + 1 >= css.length) return [value, j + 1];
      if (css.charCodeAt(j + 1) === 10) {
        j += 2;
        continue;
      }
      const [t, k] = readEscape(css, j);
      value += t;
      j = k;
      continue;
    }
    const s = j;
    while (j < css.length) {
      const d = css.charCodeAt(j);
      if (d === q || d === 10 || d === 92) break;
      j++;
    }
    value += css.slice(s, j);
  }
  return [value, j];
}

/** The unquoted body of `url(` starting at `i`; ends after `)` (or at the end of the text). */
function readUrlBody(css: string, i: number): [string, number] {
  let value = '';
  let j = i;
  while (j < css.length) {
    const c = css.charCodeAt(j);
    if (c === 41) return [value.trim(), j + 1];
    if (c === 92 && validEscape(css, j)) {
      const [t, k] = readEscape(css, j);
      value += t;
      j = k;
      continue;
    }
    const s = j++;
    while (j < css.length && css.charCodeAt(j) !== 41 && css.charCodeAt(j) !== 92) j++;
    value += css.slice(s, j);
  }
  return [value.trim(), j];
}

/** Every url(), image-set() string and @import of a stylesheet, in order. */
export function scanCssRefs(css: string): CssRef[] {
  const refs: CssRef[] = [];
  // one entry per open parenthesis: whether it belongs to an image-set()
  const parens: boolean[] = [];
  let inImageSet = 0;
  let i = 0;
  while (i < css.length) {
    const c = css.charCodeAt(i);
    if (c === 47 && css.charCodeAt(i + 1) === 42) {
      const end = css.indexOf('*/', i + 2);
      i = end === -1 ? css.length : end + 2;
    } else if (c === 34 || c === 39) {
      const [value, end] = readString(css, i);
      if (inImageSet > 0) refs.push({ kind: 'image-set', url: value.trim(), start: i, end });
      i = end;
    } else if (c === 64) {
      const [name, end] = readName(css, i + 1);
      if (name.toLowerCase() === 'import') refs.push({ kind: 'import', url: '', start: i, end });
      i = Math.max(end, i + 1);
    } else if (startsIdent(css, i)) {
      const nameStart = i;
      const [name, end] = readName(css, i);
      i = end;
      if (css.charCodeAt(i) !== 40) continue;
      const fn = name.toLowerCase();
      let k = i + 1;
      while (k < css.length && isSpace(css.charCodeAt(k))) k++;
      if (fn === 'url' && css.charCodeAt(k) !== 34 && css.charCodeAt(k) !== 39) {
        const [url, urlEnd] = readUrlBody(css, k);
        refs.push({ kind: 'url', url, start: nameStart, end: urlEnd });
        i = urlEnd;
        continue;
      }
      if (fn === 'url') {
        // url("…"): a function whose string argument is the URL
        const [value, strEnd] = readString(css, k);
        let close = strEnd;
        while (close < css.length && isSpace(css.charCodeAt(close))) close++;
        const urlEnd = css.charCodeAt(close) === 41 ? close + 1 : strEnd;
        refs.push({ kind: 'url', url: value.trim(), start: nameStart, end: urlEnd });
        i = urlEnd;
        continue;
      }
      const isSet = IMAGE_SET.has(fn);
      parens.push(isSet);
      if (isSet) inImageSet++;
      i++;
    } else if (c === 40) {
      parens.push(false);
      i++;
    } else if (c === 41) {
      if (parens.pop()) inImageSet--;
      i++;
    } else {
      i++;
    }
  }
  return refs;
}

/** CSS text with every escape decoded, for checks that look at the text as a whole. */
export function cssUnescape(css: string): string {
  const escape = /\\(?:([0-9a-fA-F]{1,6})(?:\r\n|[ \t\n\r\f])?|([^\n]))/g;
  return css.replace(escape, (_m, hex: string | undefined, ch: string | undefined) => {
    if (ch !== undefined) return ch;
    const cp = parseInt(hex ?? '', 16);
    return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
  });
}
