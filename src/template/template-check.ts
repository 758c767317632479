/**
 * Write-time checks of a credential's `html_template` + `css_template` (pure: no I/O).
 *
 * Refused, with one `validationErrors` entry per problem naming the template and line:
 *  - Handlebars syntax errors; partials, decorators, triple-stash `{{{x}}}` / `{{&x}}` (every value
 *    is HTML-escaped; the QR code is an `<img src="{{qr_code}}">` data: URL, which escaping keeps valid);
 *  - merge tags that are not in the template context, or not in the issuer's `allowed_template_tags`;
 *  - helpers other than ours (helpers.ts) and the built-ins if / unless / each / with / lookup;
 *  - a template over 256 KiB, or with more than 2,000 merge tags and blocks;
 *  - markup that loads anything from outside the service: `src`, `srcset`, `href` (except on
 *    `<a>`/`<area>`, where http(s)/mailto/tel links are fine: they are never fetched), `poster`,
 *    `action`, `formaction`, `background`, `data`, `xlink:href`… and CSS `url()`, `image-set()`,
 *    `@import`; allowed are the service's own image URLs (the given prefixes), `#fragment`s and
 *    `data:` images and fonts;
 *  - `<script>`, `<iframe>`, `<frame>`, `<object>`, `<embed>`, `<applet>`, `<base>`, `<link>`,
 *    `<meta http-equiv>`, `<portal>`, SVG `<set>`/`<animate*>`, `on*=` event attributes,
 *    `javascript:`/`vbscript:` URLs in any attribute (in any spelling: character references of the full
 *    HTML5 table, tabs, newlines, controls, case, CSS escapes), `data:` URLs other than images and
 *    fonts, and merge tags that form element or attribute names.
 *
 * Every step is linear in the template's length (html-scan.ts, css-scan.ts): a 256 KiB template is
 * checked in tens of milliseconds, so a hostile one cannot hold the API's event loop.
 *
 * The renderer enforces the same at run time (JavaScript off, every request outside the allow-list
 * aborted, CSP): these checks give the author a clear 400 early; they are not the only wall.
 */
import { ValidationError } from '../errors.js';
import { AstChecker, compileCheck, parseTemplate, ROOT_SCOPE, walkTemplate } from './template-ast-check.js';
import { checkCss, checkHtml } from './template-markup-check.js';
import { Collector, type Which } from './template-problems.js';
import { parsePrefixes } from './template-urls.js';

export { urlProblem } from './template-urls.js';

export const MAX_TEMPLATE_BYTES = 256 * 1024;
/** Merge tags and blocks (`{{`) per template: far more than any certificate needs, few enough to check fast. */
export const MAX_MERGE_TAGS = 2000;
/** Path under which the service serves stored images (the only place a template may load from). */
export const PUBLIC_IMAGES_PATH = '/api/credentials/public/images/';

export interface TemplateCheckInput {
  htmlTemplate: string;
  cssTemplate?: string | null;
  /** the issuer's `allowed_template_tags`; null / empty = every known tag */
  allowedTags?: readonly string[] | null;
  /**
   * URL prefixes a template may load images/fonts from: absolute (`https://host/api/credentials/public/images/`)
   * and/or root-relative (`/api/credentials/public/images/`). See {@link assetUrlPrefixes}.
   */
  assetPrefixes: readonly string[];
}

export interface TemplateCheckResult {
  /** canonical merge tags the templates use, sorted */
  tags: string[];
}

/** The allowed load prefixes for a deployment: the absolute public images URL and its root-relative path. */
export function assetUrlPrefixes(publicBaseUrl: string, imagesPath = PUBLIC_IMAGES_PATH): string[] {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return [`${base}${imagesPath}`, imagesPath];
}

/**
 * Checks both templates; returns the merge tags used, or throws a ValidationError (400) listing
 * every problem found.
 */
export function checkTemplates(input: TemplateCheckInput): TemplateCheckResult {
  const c = new Collector();
  const tags = new Set<string>();
  const allowed = input.allowedTags && input.allowedTags.length > 0 ? new Set(input.allowedTags) : null;
  const prefixes = parsePrefixes(input.assetPrefixes);

  const asts: Array<[Which, hbs.AST.Program]> = [];
  const parts: Array<[Which, string]> = [['html_template', input.htmlTemplate ?? '']];
  if (input.cssTemplate) parts.push(['css_template', input.cssTemplate]);
  for (const [which, text] of parts) {
    if (typeof text !== 'string') {
      c.add(which, null, 'must be a string');
      continue;
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_TEMPLATE_BYTES) {
      c.add(which, null, `template is ${bytes} bytes (max ${MAX_TEMPLATE_BYTES}, 256 KiB)`);
      continue;
    }
    const mergeTags = countOf(text, '{{');
    if (mergeTags > MAX_MERGE_TAGS) {
      // Handlebars' own parser and compiler cost far more per tag than the checks below
      c.add(which, null, `template has ${mergeTags} merge tags and blocks (max ${MAX_MERGE_TAGS})`);
    } else {
      const ast = parseTemplate(which, text, c);
      if (ast) asts.push([which, ast]);
      if (ast) walkTemplate(which, c, () => new AstChecker(which, c, allowed, tags).program(ast, [ROOT_SCOPE]));
    }
    if (which === 'html_template') checkHtml(text, prefixes, c);
    else checkCss(which, text, prefixes, c);
  }
  if (c.errors.length === 0) {
    // Last guard: compile exactly as the renderer will (knownHelpersOnly) — catches anything the walk
    // missed. The opcode compiler makes those checks; the JavaScript it would then generate is not needed.
    for (const [which, ast] of asts) compileCheck(which, ast, c);
  }
  if (c.errors.length > 0) {
    const more = c.count > 1 ? ` (and ${c.count - 1} more)` : '';
    throw new ValidationError(`Invalid certificate template: ${c.errors[0]}${more}`, {
      fieldErrors: c.byField,
      validationErrors: c.listed(),
    });
  }
  return { tags: [...tags].sort() };
}

function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}
