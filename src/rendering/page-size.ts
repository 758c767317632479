/**
 * Page size of a template from its CSS `@page { size: … }` (used for the PNG viewport; the PDF
 * takes the size from the CSS itself via preferCSSPageSize). Pure.
 */

export interface PageSize {
  /** CSS pixels (96 dpi) */
  widthPx: number;
  heightPx: number;
}

const MM = 96 / 25.4;
const UNITS: Record<string, number> = { mm: MM, cm: MM * 10, in: 96, px: 1, pt: 96 / 72, pc: 16, q: MM / 4 };
/** [width, height] in mm, portrait */
const NAMED: Record<string, [number, number]> = {
  a3: [297, 420],
  a4: [210, 297],
  a5: [148, 210],
  b4: [250, 353],
  b5: [176, 250],
  letter: [215.9, 279.4],
  legal: [215.9, 355.6],
  ledger: [279.4, 431.8],
  'jis-b4': [257, 364],
  'jis-b5': [182, 257],
};

/** A4 landscape, the default certificate size. */
export const DEFAULT_PAGE_SIZE: PageSize = { widthPx: 297 * MM, heightPx: 210 * MM };

function length(tok: string): number | null {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(mm|cm|in|px|pt|pc|q)$/i.exec(tok);
  return m ? Number(m[1]) * UNITS[m[2].toLowerCase()] : null;
}

/**
 * The page size the PDF gets: `@page` rules of the CSS template, then of `<style>` elements in the
 * markup, which come later in the document and so win, as they do for Chromium's printing.
 */
export function pageSizeOfDocument(html: string, css: string): PageSize {
  const styles = [...html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi)].map((m) => m[1]);
  return pageSizeFromCss([css, ...styles].join('\n'));
}

/**
 * The size declared by the last `@page { size: … }` rule without a page selector (`:first` etc.
 * are ignored), or A4 landscape.
 */
export function pageSizeFromCss(css: string): PageSize {
  let result: PageSize | null = null;
  const text = css.replace(/\/\*[\s\S]*?\*\//g, ' ');
  for (const m of text.matchAll(/@page\s*(\{)/gi)) {
    const start = (m.index ?? 0) + m[0].length;
    let depth = 1;
    let i = start;
    while (i < text.length && depth > 0) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}') depth--;
      i++;
    }
    const body = text.slice(start, i - 1).replace(/@[a-z-]+\s*\{[^}]*\}/gi, ' ');
    const decl = /(?:^|[;\s{])size\s*:\s*([^;}]+)/i.exec(body);
    if (!decl) continue;
    const parsed = parseSize(decl[1].replace(/!important/i, '').trim());
    if (parsed) result = parsed;
  }
  return result ?? DEFAULT_PAGE_SIZE;
}

function parseSize(value: string): PageSize | null {
  const toks = value.toLowerCase().split(/\s+/).filter(Boolean);
  if (toks.length === 0) return null;
  if (toks[0] === 'auto') return DEFAULT_PAGE_SIZE;
  let orientation: 'portrait' | 'landscape' | null = null;
  let dims: [number, number] | null = null;
  const lengths: number[] = [];
  for (const t of toks) {
    if (t === 'portrait' || t === 'landscape') orientation = t;
    else if (NAMED[t]) dims = [NAMED[t][0] * MM, NAMED[t][1] * MM];
    else {
      const l = length(t);
      if (l === null) return null;
      lengths.push(l);
    }
  }
  if (lengths.length === 1) dims = [lengths[0], lengths[0]];
  else if (lengths.length === 2) dims = [lengths[0], lengths[1]];
  if (!dims) {
    // only an orientation: A4 in that orientation
    dims = [210 * MM, 297 * MM];
    if (!orientation) return null;
  }
  let [w, h] = dims;
  if (orientation === 'landscape' && w < h) [w, h] = [h, w];
  if (orientation === 'portrait' && w > h) [w, h] = [h, w];
  if (w < 16 || h < 16 || w > 20000 || h > 20000) return null;
  return { widthPx: w, heightPx: h };
}

/** Integer viewport for a page size (what the PNG is captured at, times the scale). */
export function viewportFor(size: PageSize): { width: number; height: number } {
  return { width: Math.round(size.widthPx), height: Math.round(size.heightPx) };
}
