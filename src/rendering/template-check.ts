/**
 * Write-time checks of a credential's `html_template` + `css_template` (pure: no I/O).
 *
 * Refused, with one `validationErrors` entry per problem naming the template and line:
 *  - Handlebars syntax errors; partials, decorators, triple-stash `{{{x}}}` / `{{&x}}` (every value
 *    is HTML-escaped; the QR code is an `<img src="{{qr_code}}">` data: URL, which escaping keeps valid);
 *  - merge tags that are not in the template context, or not in the issuer's `allowed_template_tags`;
 *  - helpers other than ours (helpers.ts) and the built-ins if / unless / each / with / lookup;
 *  - a template over 256 KiB;
 *  - markup that loads anything from outside the service: `src`, `srcset`, `href` (except on
 *    `<a>`/`<area>`, where http(s)/mailto/tel links are fine: they are never fetched), `poster`,
 *    `action`, `formaction`, `background`, `data`, `xlink:href`… and CSS `url()`, `image-set()`,
 *    `@import`; allowed are the service's own image URLs (the given prefixes), `#fragment`s and
 *    `data:` images and fonts;
 *  - `<script>`, `<iframe>`, `<frame>`, `<object>`, `<embed>`, `<applet>`, `<base>`, `<link>`,
 *    `<meta http-equiv>`, `<portal>`, SVG `<set>`/`<animate*>`, `on*=` event attributes,
 *    `javascript:` URLs, and merge tags that form element or attribute names.
 *
 * The renderer enforces the same at run time (JavaScript off, every request outside the allow-list
 * aborted, CSP): these checks give the author a clear 400 early; they are not the only wall.
 */
import Handlebars from 'handlebars';
import { ValidationError } from '../errors.js';
import { BLOCK_HELPERS, BUILTIN_HELPERS, HELPER_ARITY } from './helpers.js';
import { TAG_TREE, type TagNode } from './template-context.js';

export const MAX_TEMPLATE_BYTES = 256 * 1024;
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

type Which = 'html_template' | 'css_template';

class Collector {
  readonly errors: string[] = [];
  readonly byField: Record<string, string[]> = {};
  add(which: Which, line: number | null, msg: string): void {
    const text = line === null ? `${which}: ${msg}` : `${which} line ${line}: ${msg}`;
    if (this.errors.includes(text)) return;
    this.errors.push(text);
    (this.byField[which] ??= []).push(text);
  }
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
    const ast = parseTemplate(which, text, c);
    if (ast) new AstChecker(which, c, allowed, tags).program(ast, [ROOT_SCOPE]);
    if (which === 'html_template') checkHtml(text, prefixes, c);
    else checkCss(which, text, prefixes, c);
  }
  if (c.errors.length === 0) {
    // Last guard: compile exactly as the renderer will (knownHelpersOnly) — catches anything the walk missed.
    for (const [which, text] of parts) {
      try {
        Handlebars.precompile(text, { knownHelpers: knownHelpersMap(), knownHelpersOnly: true, strict: false, compat: false });
      } catch (e) {
        c.add(which, lineOf(e), `does not compile: ${firstLine(e)}`);
      }
    }
  }
  if (c.errors.length > 0) {
    throw new ValidationError(`Invalid certificate template: ${c.errors[0]}${c.errors.length > 1 ? ` (and ${c.errors.length - 1} more)` : ''}`, {
      fieldErrors: c.byField,
      validationErrors: c.errors,
    });
  }
  return { tags: [...tags].sort() };
}

function knownHelpersMap(): Record<string, boolean> {
  const m: Record<string, boolean> = { log: false };
  for (const n of [...Object.keys(HELPER_ARITY), ...BLOCK_HELPERS, ...Object.keys(BUILTIN_HELPERS)]) m[n] = true;
  return m;
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}
function lineOf(e: unknown): number | null {
  const ln = (e as { lineNumber?: number })?.lineNumber;
  if (typeof ln === 'number') return ln;
  const m = /on line (\d+)/.exec(String((e as Error)?.message ?? ''));
  return m ? Number(m[1]) : null;
}

// ------------------------------------------------------------------------------------------------
// Handlebars AST

type HbNode = hbs.AST.Node;

function parseTemplate(which: Which, text: string, c: Collector): hbs.AST.Program | null {
  try {
    return Handlebars.parse(text);
  } catch (e) {
    const msg = String((e as Error)?.message ?? e);
    const lines = msg.split('\n');
    // "Parse error on line 2:\n<excerpt>\n----^\nExpecting …" or "if doesn't match each - 2:3"
    const detail = lines.length > 1 ? lines[lines.length - 1] : lines[0].replace(/ - \d+:\d+$/, '');
    c.add(which, lineOf(e), `syntax error: ${detail}`);
    return null;
  }
}

interface Resolved {
  node: TagNode;
  /** canonical tag, or null for values that are not context tags (literals, helper results, @index) */
  tag: string | null;
}
interface Scope extends Resolved {
  blockParams?: Record<string, Resolved>;
}

const ROOT_NODE: TagNode = { kind: 'object', description: 'root', children: TAG_TREE };
const ROOT_SCOPE: Scope = { node: ROOT_NODE, tag: '' };
const DYNAMIC: Resolved = { node: { kind: 'scalar', description: 'computed', example: '' }, tag: null };

class AstChecker {
  constructor(
    private readonly which: Which,
    private readonly c: Collector,
    private readonly allowed: Set<string> | null,
    private readonly used: Set<string>,
  ) {}

  private err(node: HbNode | undefined, msg: string): void {
    this.c.add(this.which, node?.loc?.start?.line ?? null, msg);
  }

  program(p: hbs.AST.Program | undefined, stack: Scope[]): void {
    if (!p) return;
    for (const st of p.body) this.statement(st, stack);
  }

  private statement(st: hbs.AST.Statement, stack: Scope[]): void {
    switch (st.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'MustacheStatement':
        return this.mustache(st as hbs.AST.MustacheStatement, stack);
      case 'BlockStatement':
        return this.block(st as hbs.AST.BlockStatement, stack);
      case 'PartialStatement':
      case 'PartialBlockStatement':
        return this.err(st, 'partials ({{> name}}) are not supported');
      case 'Decorator':
      case 'DecoratorBlock':
        return this.err(st, 'decorators ({{* name}}) are not supported');
      default:
        return this.err(st, `unsupported template construct ${st.type}`);
    }
  }

  private mustache(m: hbs.AST.MustacheStatement, stack: Scope[]): void {
    if (m.escaped === false) {
      this.err(m, `triple-stash / unescaped output ({{{${pathText(m.path)}}}}) is not allowed: every merge value is HTML-escaped (use <img src="{{qr_code}}"> for the QR code)`);
    }
    const path = m.path as hbs.AST.Expression;
    const hasArgs = (m.params?.length ?? 0) > 0 || (m.hash?.pairs?.length ?? 0) > 0;
    if (path.type === 'PathExpression') {
      const p = path as hbs.AST.PathExpression;
      const name = simpleName(p);
      if (name && (isHelper(name) || hasArgs)) {
        this.helperCall(m, name, m.params ?? [], m.hash, stack);
        return;
      }
      if (hasArgs) {
        this.err(m, `"${p.original}" is not a helper (helpers: ${helperList()})`);
        return;
      }
      const r = this.resolvePath(p, stack);
      if (r) this.use(m, r, false);
      return;
    }
    if (path.type === 'SubExpression') {
      this.expr(path, stack);
      return;
    }
    // {{"email"}} is no text: Handlebars looks the literal up as a field of the context, which
    // would read fields past allowed_template_tags. Text goes outside the braces.
    this.err(m, `a literal in {{…}} (${pathText(path)}) is looked up as a field name; write text outside the braces`);
  }

  private block(b: hbs.AST.BlockStatement, stack: Scope[]): void {
    const name = b.path.type === 'PathExpression' ? simpleName(b.path as hbs.AST.PathExpression) : null;
    if (!name || !(BLOCK_HELPERS as readonly string[]).includes(name)) {
      this.err(b, `block {{#${pathText(b.path)}}} is not allowed: blocks must use ${BLOCK_HELPERS.join(', ')}${name && isHelper(name) ? ` ("${name}" is not a block helper; use it as a (subexpression))` : ''}`);
      // still look inside for tag errors, in the same scope
      this.program(b.program, stack);
      this.program(b.inverse, stack);
      return;
    }
    const params = b.params ?? [];
    if (params.length !== 1) this.err(b, `{{#${name}}} takes exactly one argument (got ${params.length})`);
    if ((b.hash?.pairs?.length ?? 0) > 0) this.err(b, `{{#${name}}} takes no hash arguments`);
    const target = params[0] ? this.expr(params[0], stack, true) : DYNAMIC;
    const bp = b.program?.blockParams ?? [];
    switch (name) {
      case 'if':
      case 'unless':
        this.program(b.program, stack);
        this.program(b.inverse, stack);
        return;
      case 'with': {
        this.program(b.program, [...stack, { ...target, blockParams: bp[0] ? { [bp[0]]: target } : undefined }]);
        this.program(b.inverse, stack);
        return;
      }
      case 'each': {
        const item = itemOf(target);
        const blockParams: Record<string, Resolved> = {};
        if (bp[0]) blockParams[bp[0]] = item;
        if (bp[1]) blockParams[bp[1]] = DYNAMIC;
        this.program(b.program, [...stack, { ...item, blockParams }]);
        this.program(b.inverse, stack);
        return;
      }
    }
  }

  /** Resolves an expression used as a value; records the tag use. */
  private expr(e: hbs.AST.Expression, stack: Scope[], container = false): Resolved {
    switch (e.type) {
      case 'PathExpression': {
        const r = this.resolvePath(e as hbs.AST.PathExpression, stack);
        if (!r) return DYNAMIC;
        this.use(e, r, container);
        return r;
      }
      case 'SubExpression': {
        const s = e as hbs.AST.SubExpression;
        const name = s.path.type === 'PathExpression' ? simpleName(s.path as hbs.AST.PathExpression) : null;
        if (!name) {
          this.err(e, `"${pathText(s.path)}" is not a helper`);
          return DYNAMIC;
        }
        return this.helperCall(s, name, s.params ?? [], s.hash, stack);
      }
      default:
        return DYNAMIC; // literals
    }
  }

  private helperCall(node: HbNode, name: string, params: hbs.AST.Expression[], hash: hbs.AST.Hash | undefined, stack: Scope[]): Resolved {
    const arity = HELPER_ARITY[name] ?? BUILTIN_HELPERS[name];
    if (!arity) {
      this.err(node, `unknown helper "${name}" (helpers: ${helperList()})`);
      for (const p of params) this.expr(p, stack);
      return DYNAMIC;
    }
    if (params.length < arity[0] || params.length > arity[1]) {
      const want = arity[0] === arity[1] ? `${arity[0]}` : arity[1] === Infinity ? `at least ${arity[0]}` : `${arity[0]}–${arity[1]}`;
      this.err(node, `helper "${name}" takes ${want} argument(s), got ${params.length}`);
    }
    for (const pair of hash?.pairs ?? []) {
      if (name !== 'formatDate' || !['locale', 'timeZone'].includes(pair.key)) this.err(node, `helper "${name}" has no option "${pair.key}"`);
      this.expr(pair.value, stack);
    }
    if (name === 'lookup' && params.length === 2) {
      const obj = this.expr(params[0], stack, true);
      const key = params[1];
      if (key.type === 'StringLiteral' || key.type === 'NumberLiteral') {
        const k = String((key as hbs.AST.StringLiteral).value);
        const r = this.walk(node, obj, [k]);
        if (r) this.use(node, r, true);
        return r ?? DYNAMIC;
      }
      this.expr(key, stack);
      return itemOf(obj);
    }
    for (const p of params) this.expr(p, stack);
    return DYNAMIC;
  }

  private resolvePath(p: hbs.AST.PathExpression, stack: Scope[]): Resolved | null {
    if (p.data) {
      const [head, ...rest] = p.parts;
      if (head === 'root') return this.walk(p, ROOT_SCOPE, rest);
      if (['index', 'key', 'first', 'last'].includes(head) && rest.length === 0) return DYNAMIC;
      this.err(p, `unknown data variable "@${p.parts.join('.')}"`);
      return null;
    }
    const depth = p.depth ?? 0;
    if (depth === 0 && p.parts.length > 0 && !/^this\b|^\./.test(p.original)) {
      for (let i = stack.length - 1; i >= 0; i--) {
        const bp = stack[i].blockParams?.[p.parts[0]];
        if (bp) return this.walk(p, bp, p.parts.slice(1));
      }
    }
    const idx = stack.length - 1 - depth;
    if (idx < 0) {
      this.err(p, `"${p.original}" goes above the top of the template context`);
      return null;
    }
    return this.walk(p, stack[idx], p.parts);
  }

  private walk(at: HbNode, start: Resolved, parts: string[]): Resolved | null {
    let node = start.node;
    let tag = start.tag;
    for (const part of parts) {
      const shown = tag ? `${tag}.${part}` : part;
      switch (node.kind) {
        case 'object':
          if (!Object.prototype.hasOwnProperty.call(node.children, part)) {
            this.err(at, `unknown merge tag "${shown}"${tag === null ? '' : suggestion(node, part)}`);
            return null;
          }
          node = node.children[part];
          tag = tag === null ? null : shown;
          break;
        case 'list':
          if (/^\d+$/.test(part)) {
            node = node.item;
          } else if (part === 'length') {
            return { node: DYNAMIC.node, tag };
          } else {
            this.err(at, `unknown merge tag "${shown}" ("${tag}" is a list: use {{#each ${tag}}})`);
            return null;
          }
          break;
        case 'map':
          if (!/^[\w-]+$/.test(part) || part === '__proto__' || part === 'constructor' || part === 'prototype') {
            this.err(at, `invalid custom field name "${part}"`);
            return null;
          }
          node = DYNAMIC.node;
          tag = tag === null ? null : shown;
          break;
        case 'scalar':
          this.err(at, `unknown merge tag "${shown}"${tag ? ` ("${tag}" is a plain value)` : ''}`);
          return null;
      }
    }
    return { node, tag };
  }

  private use(at: HbNode, r: Resolved, container: boolean): void {
    if (r.tag === null || r.tag === '') return;
    const isContainer = container || r.node.kind !== 'scalar';
    if (r.node.kind === 'map') {
      this.used.add(`${r.tag}.*`);
    } else if (r.node.kind === 'scalar' || r.node.kind === 'list') {
      this.used.add(r.tag);
    }
    if (this.allowed && !isAllowed(this.allowed, r.tag, isContainer)) {
      this.err(at, `merge tag "${r.tag}" is not allowed for this issuer (allowed_template_tags)`);
    }
  }
}

function isAllowed(allowed: Set<string>, tag: string, container: boolean): boolean {
  if (allowed.has(tag)) return true;
  const parts = tag.split('.');
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('.');
    if (allowed.has(prefix) || allowed.has(`${prefix}.*`)) return true;
  }
  if (container) for (const a of allowed) if (a.startsWith(`${tag}.`)) return true;
  return false;
}

function itemOf(r: Resolved): Resolved {
  switch (r.node.kind) {
    case 'list':
      return { node: r.node.item, tag: r.tag };
    case 'map':
    case 'object':
      return { node: DYNAMIC.node, tag: r.tag === null ? null : `${r.tag}.*` };
    default:
      return DYNAMIC;
  }
}

function suggestion(node: Extract<TagNode, { kind: 'object' }>, part: string): string {
  const keys = Object.keys(node.children);
  const near = keys.find((k) => k.toLowerCase() === part.toLowerCase() || k.replace(/_/g, '') === part.replace(/[_-]/g, '').toLowerCase());
  return near ? ` (did you mean "${near}"?)` : '';
}

function simpleName(p: hbs.AST.PathExpression): string | null {
  return !p.data && (p.depth ?? 0) === 0 && p.parts.length === 1 && !/^this\b|^\./.test(p.original) ? p.parts[0] : null;
}
function isHelper(name: string): boolean {
  return name in HELPER_ARITY || name in BUILTIN_HELPERS;
}
function helperList(): string {
  return [...Object.keys(HELPER_ARITY), ...Object.keys(BUILTIN_HELPERS)].join(', ');
}
function pathText(e: hbs.AST.Expression | hbs.AST.PathExpression): string {
  return (e as hbs.AST.PathExpression).original ?? (e as { value?: unknown }).value?.toString() ?? e.type;
}

// ------------------------------------------------------------------------------------------------
// Markup and CSS

/** Replaces merge tags by MASK runs (keeping newlines); Handlebars comments vanish (keeping newlines). */
const MASK = '\u0001';
function maskMustaches(text: string): string {
  return text.replace(/\{\{!--[\s\S]*?--\}\}|\{\{![\s\S]*?\}\}|\{\{\{[\s\S]*?\}\}\}|\{\{[\s\S]*?\}\}/g, (m) =>
    m.startsWith('{{!') ? m.replace(/[^\n]/g, '') : m.replace(/[^\n]/g, MASK),
  );
}

/** A string with a map from its indices back to indices of the original text. */
interface Mapped {
  text: string;
  map: number[];
}
function identity(text: string): Mapped {
  return { text, map: Array.from({ length: text.length + 1 }, (_, i) => i) };
}
function mapReplace(src: Mapped, re: RegExp, fn: (...m: string[]) => string): Mapped {
  let out = '';
  const map: number[] = [];
  let last = 0;
  for (const m of src.text.matchAll(re)) {
    const i = m.index ?? 0;
    for (let k = last; k < i; k++) {
      out += src.text[k];
      map.push(src.map[k]);
    }
    const rep = fn(...(m as unknown as string[]));
    for (let k = 0; k < rep.length; k++) {
      out += rep[k];
      map.push(src.map[i]);
    }
    last = i + m[0].length;
  }
  for (let k = last; k < src.text.length; k++) {
    out += src.text[k];
    map.push(src.map[k]);
  }
  map.push(src.map[src.text.length] ?? src.text.length);
  return { text: out, map };
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", colon: ':', sol: '/', bsol: '\\', tab: '\t', newline: '\n',
  lpar: '(', rpar: ')', period: '.', comma: ',', semi: ';', excl: '!', num: '#', commat: '@', equals: '=', nbsp: '\u00a0',
};
function decodeEntities(src: Mapped): Mapped {
  return mapReplace(src, /&(#[xX][0-9a-fA-F]+|#\d+|[a-zA-Z]+);?/g, (m, body) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
    }
    return NAMED_ENTITIES[body] ?? m;
  });
}
function decodeCssEscapes(src: Mapped): Mapped {
  return mapReplace(src, /\\([0-9a-fA-F]{1,6})[ \t\n\r\f]?|\\([^\n0-9a-fA-F])/g, (_m, hex, ch) => {
    if (hex) {
      const cp = parseInt(hex, 16);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
    }
    return ch;
  });
}
function stripCssComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?(\*\/|$)/g, (m) => m.replace(/[^\n]/g, ' '));
}

function lineAt(original: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index && i < original.length; i++) if (original.charCodeAt(i) === 10) n++;
  return n;
}

interface Prefixes {
  absolute: URL[];
  relative: string[];
}
function parsePrefixes(list: readonly string[]): Prefixes {
  const absolute: URL[] = [];
  const relative: string[] = [];
  for (const p of list ?? []) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(p)) absolute.push(new URL(p));
    else if (p.startsWith('/')) relative.push(new URL(p, 'https://x.invalid').pathname);
  }
  return { absolute, relative };
}

const SAFE_DATA = /^data:(image\/(png|jpe?g|gif|webp|avif|svg\+xml)|font\/[a-z0-9.+-]+|application\/(font-woff2?|x-font-woff|font-sfnt|vnd\.ms-fontobject|x-font-ttf|x-font-opentype))[;,]/i;

/**
 * Why `raw` may not be loaded by the certificate, or null when it may. `link` = an <a>/<area> href
 * (never fetched by the renderer).
 */
export function urlProblem(raw: string, kind: 'load' | 'link', assetPrefixes: readonly string[] | Prefixes): string | null {
  const prefixes = Array.isArray(assetPrefixes) ? parsePrefixes(assetPrefixes as string[]) : (assetPrefixes as Prefixes);
  // browsers drop ASCII tab/newline anywhere and C0/space at the ends
  const v = raw.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  if (v === '' || v.startsWith('#')) return null;
  if (v.startsWith(MASK)) return null; // starts with a merge value: checked at render time
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(v)?.[1]?.toLowerCase();
  if (scheme) {
    if (scheme === 'javascript' || scheme === 'vbscript') return `${scheme}: URLs are not allowed`;
    if (kind === 'link') return ['http', 'https', 'mailto', 'tel'].includes(scheme) ? null : `links may only use http(s), mailto or tel (got ${scheme}:)`;
    if (scheme === 'data') return SAFE_DATA.test(v) ? null : 'data: URLs are allowed only for images and fonts';
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      return 'is not a valid URL';
    }
    for (const p of prefixes.absolute) {
      if (u.protocol === p.protocol && u.host === p.host && !u.username && !u.password && u.pathname.startsWith(p.pathname)) return null;
    }
    return `loads from outside the service (only ${allowedText(prefixes)} and data: images/fonts may be loaded)`;
  }
  if (kind === 'link') return null;
  if (/^[\\/][\\/]/.test(v)) return `protocol-relative URLs load from another host (only ${allowedText(prefixes)} may be loaded)`;
  const path = new URL(v.replace(/\\/g, '/'), 'https://x.invalid/').pathname;
  if (prefixes.relative.some((p) => path.startsWith(p))) return null;
  return `loads a path outside the service's images (only ${allowedText(prefixes)} may be loaded)`;
}
function allowedText(p: Prefixes): string {
  const all = [...p.absolute.map((u) => u.href), ...p.relative];
  return all.length ? all.map((x) => `${x}…`).join(', ') : 'nothing';
}

const REFUSED_ELEMENTS = new Set([
  'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'link', 'portal', 'fencedframe',
  'set', 'animate', 'animatemotion', 'animatetransform', 'discard', 'param',
]);
const LOAD_ATTRIBUTES = new Set([
  'src', 'srcset', 'imagesrcset', 'href', 'xlink:href', 'poster', 'action', 'formaction', 'background', 'data',
  'lowsrc', 'dynsrc', 'codebase', 'archive', 'manifest', 'ping', 'longdesc', 'srcdoc',
]);

interface ScannedTag {
  index: number;
  name: string;
  /** `start`/`end`: where the value's text lies in the scanned string (quotes excluded). */
  attrs: { name: string; value: string | undefined; start: number; end: number }[];
}

/**
 * Start tags as the HTML tokenizer reads them (WHATWG 13.2.5): a quote inside an unquoted value,
 * or at the start of an attribute name, is just a character there. A regex that expects quotes to
 * pair loses the whole tag on `alt=a"b`, and with it every attribute after it.
 */
export function scanStartTags(html: string): ScannedTag[] {
  const tags: ScannedTag[] = [];
  const space = (ch: string) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f';
  let i = 0;
  while ((i = html.indexOf('<', i)) !== -1) {
    const start = i;
    let j = i + 1; // `< img` is text to a browser, not a tag
    if (!/[a-zA-Z\u0001]/.test(html[j] ?? '')) {
      i = j;
      continue;
    }
    let name = '';
    while (j < html.length && !space(html[j]) && html[j] !== '/' && html[j] !== '>') name += html[j++];
    const attrs: ScannedTag['attrs'] = [];
    for (;;) {
      while (j < html.length && (space(html[j]) || html[j] === '/')) j++;
      if (j >= html.length || html[j] === '>') break;
      let attr = html[j++]; // may be '=' or a quote: part of the name, as the tokenizer takes it
      while (j < html.length && !space(html[j]) && html[j] !== '/' && html[j] !== '>' && html[j] !== '=') attr += html[j++];
      let k = j;
      while (k < html.length && space(html[k])) k++;
      if (html[k] !== '=') {
        attrs.push({ name: attr, value: undefined, start: j, end: j });
        continue;
      }
      k++;
      while (k < html.length && space(html[k])) k++;
      let value = '';
      let start = k;
      const q = html[k];
      if (q === '"' || q === "'") {
        const end = html.indexOf(q, k + 1);
        start = k + 1;
        value = html.slice(start, end === -1 ? html.length : end);
        j = end === -1 ? html.length : end + 1;
      } else {
        while (k < html.length && !space(html[k]) && html[k] !== '>') value += html[k++];
        j = k;
      }
      attrs.push({ name: attr, value, start, end: start + value.length });
    }
    tags.push({ index: start, name, attrs });
    i = j;
  }
  return tags;
}

/**
 * Merged markup with every link (`<a>`/`<area>` href) that is not http(s), mailto, tel or relative
 * replaced by `#`. Write-time checks pass links that start with a merge value; what the value turns
 * out to be (a `javascript:` field, say) is only known here, and Chromium keeps links in the PDF.
 */
export function neutralizeLinks(html: string): string {
  const cuts: { start: number; end: number }[] = [];
  for (const tag of scanStartTags(html)) {
    const name = tag.name.toLowerCase();
    if (name !== 'a' && name !== 'area') continue;
    for (const a of tag.attrs) {
      const attr = a.name.toLowerCase();
      if ((attr !== 'href' && attr !== 'xlink:href') || a.value === undefined) continue;
      if (urlProblem(decodeEntities(identity(a.value)).text, 'link', [])) cuts.push(a);
    }
  }
  let out = html;
  for (const c of cuts.reverse()) out = `${out.slice(0, c.start)}#${out.slice(c.end)}`;
  return out;
}

function checkHtml(original: string, prefixes: Prefixes, c: Collector): void {
  const which: Which = 'html_template';
  const masked = maskMustaches(original);
  for (const m of scanStartTags(masked)) {
    const at = m.index;
    const line = lineAt(masked, at);
    const rawName = m.name;
    if (rawName.includes(MASK)) {
      c.add(which, line, 'merge tags may not form element names');
      continue;
    }
    const name = rawName.toLowerCase();
    if (REFUSED_ELEMENTS.has(name)) c.add(which, line, `<${name}> elements are not allowed`);
    for (const a of m.attrs) {
      const attrName = a.name.toLowerCase();
      const hasValue = a.value !== undefined;
      const value = a.value ?? '';
      if (/^\u0001+$/.test(attrName) && !hasValue) continue; // a block helper or value between attributes
      if (attrName.includes(MASK)) {
        c.add(which, line, 'merge tags may not form attribute names');
        continue;
      }
      if (attrName.startsWith('on')) {
        c.add(which, line, `event handler attributes (${attrName}=) are not allowed`);
        continue;
      }
      if (attrName === 'http-equiv') {
        c.add(which, line, `<${name} http-equiv> is not allowed`);
        continue;
      }
      if (attrName === 'srcdoc') {
        c.add(which, line, 'srcdoc= is not allowed');
        continue;
      }
      if (!hasValue || !LOAD_ATTRIBUTES.has(attrName)) {
        if (hasValue && /^\s*(javascript|vbscript):/i.test(decodeEntities(identity(value)).text.replace(/[\t\n\r]/g, ''))) {
          c.add(which, line, `${attrName}= uses a javascript: URL`);
        }
        continue;
      }
      const decoded = decodeEntities(identity(value)).text;
      const kind = (attrName === 'href' || attrName === 'xlink:href') && (name === 'a' || name === 'area') ? 'link' : 'load';
      if (attrName === 'ping') {
        c.add(which, line, 'ping= is not allowed');
        continue;
      }
      const urls = attrName === 'srcset' || attrName === 'imagesrcset' ? decoded.split(',').map((x) => x.trim().split(/\s+/)[0] ?? '') : [decoded];
      for (const u of urls) {
        const problem = urlProblem(u, kind, prefixes);
        if (problem) c.add(which, line, `<${name} ${attrName}="${shorten(u)}"> ${problem}`);
      }
    }
  }
  // CSS inside the markup (style elements and attributes): entity-decoded first, like the parser does
  scanCss(which, masked, decodeEntities(identity(masked)), prefixes, c);
}

function checkCss(which: Which, original: string, prefixes: Prefixes, c: Collector): void {
  const masked = maskMustaches(original);
  if (/<\/style/i.test(masked)) c.add(which, lineAt(masked, masked.search(/<\/style/i)), '"</style" is not allowed in CSS');
  if (/<!--|-->|<script/i.test(masked)) c.add(which, lineAt(masked, masked.search(/<!--|-->|<script/i)), 'HTML markup is not allowed in CSS');
  scanCss(which, masked, identity(masked), prefixes, c);
}

/** Finds url(), image-set() and @import in CSS text (comments stripped, escapes decoded). */
function scanCss(which: Which, lineText: string, src: Mapped, prefixes: Prefixes, c: Collector): void {
  const css = decodeCssEscapes({ text: stripCssComments(src.text), map: src.map });
  const lineOf = (i: number) => lineAt(lineText, css.map[i] ?? 0);
  for (const m of css.text.matchAll(/@import\b/gi)) c.add(which, lineOf(m.index ?? 0), '@import is not allowed');
  for (const m of css.text.matchAll(/\burl\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*))\s*\)/gi)) {
    const u = (m[1] ?? m[2] ?? m[3] ?? '').trim();
    const problem = urlProblem(u, 'load', prefixes);
    if (problem) c.add(which, lineOf(m.index ?? 0), `url(${shorten(u)}) ${problem}`);
  }
  for (const m of css.text.matchAll(/\b(?:-webkit-)?image-set\(([^)]*(?:\([^)]*\)[^)]*)*)\)/gi)) {
    for (const s of (m[1] ?? '').matchAll(/"([^"]*)"|'([^']*)'/g)) {
      const u = s[1] ?? s[2] ?? '';
      const problem = urlProblem(u, 'load', prefixes);
      if (problem) c.add(which, lineOf(m.index ?? 0), `image-set("${shorten(u)}") ${problem}`);
    }
  }
  // src: in @font-face with a bare string is not valid CSS, but local() is harmless; nothing else loads.
}

function shorten(u: string): string {
  const t = u.replace(/\u0001+/g, '{{…}}');
  return t.length > 80 ? `${t.slice(0, 77)}…` : t;
}
