/**
 * Handlebars merge of certificate templates and the HTML document the renderer loads.
 *
 * {@link buildCertificateDocument} is the one entry point that takes untrusted template text: it
 * compiles (cached by content hash) with an isolated Handlebars instance (our helpers only,
 * knownHelpersOnly, no prototype access, every value HTML-escaped), merges the context, and wraps
 * the result in a document with a strict Content-Security-Policy.
 */
import { createHash } from 'node:crypto';
import { COMPILE_OPTIONS, createHandlebars, RUNTIME_OPTIONS } from './handlebars-env.js';
import { FONT_PREFIX, fontFaceCss } from './font-faces.js';
import { stripBidiControls } from './bidi-text.js';
import { neutralizeCss, neutralizeMarkup } from './html-scan.js';
import type { TemplateContext } from './template-context.js';

const hb = createHandlebars();

export interface CompiledTemplate {
  key: string;
  html: HandlebarsTemplateDelegate;
  css: HandlebarsTemplateDelegate | null;
}

const MAX_CACHED = 500;
const cache = new Map<string, CompiledTemplate>();

/** Content hash of a template pair (the compile-cache key; also usable as a render-cache key). */
export function templateKey(htmlTemplate: string, cssTemplate?: string | null): string {
  return createHash('sha256')
    .update(htmlTemplate)
    .update('\u0000')
    .update(cssTemplate ?? '')
    .digest('hex');
}

/** Compiles (or returns the cached compilation of) a template pair. Templates must have passed checkTemplates. */
export function compileTemplate(htmlTemplate: string, cssTemplate?: string | null): CompiledTemplate {
  const key = templateKey(htmlTemplate, cssTemplate);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key); // LRU: move to the end
    cache.set(key, hit);
    return hit;
  }
  const compiled: CompiledTemplate = {
    key,
    html: hb.compile(htmlTemplate, COMPILE_OPTIONS),
    css: cssTemplate ? hb.compile(cssTemplate, COMPILE_OPTIONS) : null,
  };
  cache.set(key, compiled);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return compiled;
}

export function compiledTemplateCacheSize(): number {
  return cache.size;
}

/**
 * A copy of the context safe to merge into CSS: strings keep only letters, digits, spaces and
 * `# % . , - + _ ! ?` — enough for colours, sizes and words, never a `url(`, `;`, `{` or quote.
 */
export function cssSafeContext<T>(value: T): T {
  if (typeof value === 'string') return value.replace(/[^\p{L}\p{N} #%.,\-+_!?]/gu, '') as T;
  if (Array.isArray(value)) return value.map((v) => cssSafeContext(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = cssSafeContext(v);
    return out as T;
  }
  return value;
}

/**
 * Merges the context into both templates, then defuses every unsafe URL the merged values made
 * (html-scan.ts: script and non-image data: URLs in any URL attribute or CSS url(), links that are
 * not http(s)/mailto/tel). Throws the Handlebars error if a template fails at run time.
 */
export function renderTemplate(
  htmlTemplate: string,
  cssTemplate: string | null | undefined,
  context: TemplateContext,
): { html: string; css: string } {
  const t = compileTemplate(htmlTemplate, cssTemplate);
  const html = neutralizeMarkup(t.html(context, RUNTIME_OPTIONS));
  const css = t.css ? neutralizeCss(t.css(cssSafeContext(context), RUNTIME_OPTIONS)) : '';
  return { html, css };
}

export interface DocumentOptions {
  /** absolute URL prefixes images may load from (the service's public images URL) */
  assetPrefixes: readonly string[];
  /** base URL for relative references; default: origin of the first asset prefix */
  baseUrl?: string;
  /** @font-face CSS; default: the bundled fonts */
  fontCss?: string;
  /** link this stylesheet URL instead of writing `fontCss` into the document (the renderer: FONT_CSS_URL) */
  fontCssUrl?: string;
  title?: string;
  /** put the CSP in a <meta> (default true; the renderer sends it as a header of the page instead) */
  cspMeta?: boolean;
}

const escAttr = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The CSP of certificate documents: nothing but inline styles, our images, our fonts and data: URLs
 * (and `styleSheet`, the one linked sheet a document may have: DocumentOptions.fontCssUrl).
 */
export function contentSecurityPolicy(assetPrefixes: readonly string[], styleSheet?: string): string {
  const srcs = assetPrefixes.map((p) => p.replace(/[;,\s]/g, '')).filter((p) => /^https?:\/\//.test(p));
  const origins = [...new Set(srcs.map((p) => new URL(p).origin))];
  return [
    "default-src 'none'",
    `img-src ${[...srcs, 'data:'].join(' ')}`,
    `font-src ${[FONT_PREFIX, ...srcs, 'data:'].join(' ')}`,
    ["style-src 'unsafe-inline'", styleSheet?.replace(/[;,\s]/g, '')].filter(Boolean).join(' '),
    "script-src 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    `base-uri ${origins.length ? origins.join(' ') : "'none'"}`,
  ].join('; ');
}

/**
 * Wraps merged markup and CSS into the document the renderer loads. The template's `<html>`,
 * `<head>`, `<body>` tags, if any, are harmless inside the body (the parser merges them).
 */
export function buildDocument(html: string, css: string, opts: DocumentOptions): string {
  const abs = opts.assetPrefixes.find((p) => /^https?:\/\//.test(p));
  const base = opts.baseUrl ?? (abs ? `${new URL(abs).origin}/` : null);
  const safeCss = css.replace(/<\/style/gi, '<\\/style');
  // <meta http-equiv> (refresh, set-cookie, CSP…) works even in <body>: defuse it in the merged markup
  const safeHtml = html.replace(/http-equiv/gi, 'data-removed-http-equiv');
  return [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
    opts.cspMeta === false
      ? ''
      : `<meta http-equiv="Content-Security-Policy" content="${escAttr(contentSecurityPolicy(opts.assetPrefixes, opts.fontCssUrl))}">`,
    '<meta name="referrer" content="no-referrer">',
    base ? `<base href="${escAttr(base)}">` : '',
    opts.title ? `<title>${escAttr(stripBidiControls(opts.title))}</title>` : '',
    opts.fontCssUrl
      ? `<link rel="stylesheet" href="${escAttr(opts.fontCssUrl)}">`
      : `<style>${opts.fontCss ?? fontFaceCss()}</style>`,
    '<style>@page{size:A4 landscape;margin:0}html,body{margin:0;padding:0}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}</style>',
    `<style>${safeCss}</style>`,
    `</head><body>${safeHtml}</body></html>`,
  ].join('');
}

/**
 * The full HTML document of a certificate from untrusted template text and a context — the only
 * entry point that takes template text. Run checkTemplates() when templates are written; this
 * function relies on the renderer's run-time walls (JS off, network allow-list, CSP) for the rest.
 */
export function buildCertificateDocument(
  htmlTemplate: string,
  cssTemplate: string | null | undefined,
  context: TemplateContext,
  opts: DocumentOptions,
): string {
  const { html, css } = renderTemplate(htmlTemplate, cssTemplate, context);
  return buildDocument(html, css, { title: context.credential?.name, ...opts });
}
