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
import Handlebars from 'handlebars';
import { DecodingMode } from 'entities/decode';
import { ValidationError } from '../errors.js';
import { scanCssRefs } from './css-scan.js';
import { BLOCK_HELPERS, BUILTIN_HELPERS, HELPER_ARITY } from './helpers.js';
import {
  browserUrl,
  cssSpellsScriptUrl,
  decodeHtmlMapped,
  forEachStartTag,
  scriptScheme,
  styleRegions,
  unsafeUrl,
  urlAttributeKind,
  urlScheme,
  urlsOfAttribute,
  type ScannedAttr,
  type ScannedTag,
} from './html-scan.js';
import { TAG_TREE, type TagNode } from './template-context.js';

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

type Which = 'html_template' | 'css_template';

/** Problems listed in one answer; past this, a count (a 256 KiB template can hold thousands). */
const MAX_LISTED = 100;

class Collector {
  readonly errors: string[] = [];
  readonly byField: Record<string, string[]> = {};
  private readonly seen = new Set<string>();
  private more = 0;
  add(which: Which, line: number | null, msg: string): void {
    const text = line === null ? `${which}: ${msg}` : `${which} line ${line}: ${msg}`;
    if (this.seen.has(text)) return;
    this.seen.add(text);
    if (this.errors.length >= MAX_LISTED) {
      this.more++;
      return;
    }
    this.errors.push(text);
    (this.byField[which] ??= []).push(text);
  }
  get count(): number {
    return this.errors.length + this.more;
  }
  /** The list as answered: the first MAX_LISTED problems, then how many more there are. */
  listed(): string[] {
    return this.more ? [...this.errors, `… and ${this.more} more problems`] : this.errors;
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
    for (const [which, ast] of asts) {
      walkTemplate(which, c, () => {
        try {
          const options = {
            knownHelpers: knownHelpersMap(),
            knownHelpersOnly: true,
            strict: false,
            compat: false,
            data: true,
          };
          new HandlebarsCompiler().compile(ast, options);
        } catch (e) {
          if (e instanceof RangeError) throw e;
          c.add(which, errorLine(e), `does not compile: ${firstLine(e)}`);
        }
      });
    }
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

/** Handlebars' opcode compiler (untyped in its .d.ts): the checks of precompile() without code generation. */
type OpcodeCompiler = new () => { compile(ast: hbs.AST.Program, options: object): unknown };
const HandlebarsCompiler = (Handlebars as unknown as { Compiler: OpcodeCompiler }).Compiler;

/** Runs a recursive walk of the template; nesting too deep for the stack is a template error, not a 500. */
function walkTemplate(which: Which, c: Collector, walk: () => void): void {
  try {
    walk();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    c.add(which, null, 'blocks are nested too deeply');
  }
}

function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

function knownHelpersMap(): Record<string, boolean> {
  const m: Record<string, boolean> = { log: false };
  for (const n of [...Object.keys(HELPER_ARITY), ...BLOCK_HELPERS, ...Object.keys(BUILTIN_HELPERS)]) m[n] = true;
  return m;
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}
function errorLine(e: unknown): number | null {
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
    c.add(which, errorLine(e), `syntax error: ${detail}`);
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
      this.err(
        m,
        `triple-stash / unescaped output ({{{${pathText(m.path)}}}}) is not allowed: every merge value is HTML-escaped (use <img src="{{qr_code}}"> for the QR code)`,
      );
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
      this.err(
        b,
        `block {{#${pathText(b.path)}}} is not allowed: blocks must use ${BLOCK_HELPERS.join(', ')}${name && isHelper(name) ? ` ("${name}" is not a block helper; use it as a (subexpression))` : ''}`,
      );
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

  private helperCall(
    node: HbNode,
    name: string,
    params: hbs.AST.Expression[],
    hash: hbs.AST.Hash | undefined,
    stack: Scope[],
  ): Resolved {
    const arity = HELPER_ARITY[name] ?? BUILTIN_HELPERS[name];
    if (!arity) {
      this.err(node, `unknown helper "${name}" (helpers: ${helperList()})`);
      for (const p of params) this.expr(p, stack);
      return DYNAMIC;
    }
    if (params.length < arity[0] || params.length > arity[1]) {
      const want =
        arity[0] === arity[1]
          ? `${arity[0]}`
          : arity[1] === Infinity
            ? `at least ${arity[0]}`
            : `${arity[0]}–${arity[1]}`;
      this.err(node, `helper "${name}" takes ${want} argument(s), got ${params.length}`);
    }
    for (const pair of hash?.pairs ?? []) {
      if (name !== 'formatDate' || !['locale', 'timeZone'].includes(pair.key))
        this.err(node, `helper "${name}" has no option "${pair.key}"`);
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
  const near = keys.find(
    (k) => k.toLowerCase() === part.toLowerCase() || k.replace(/_/g, '') === part.replace(/[_-]/g, '').toLowerCase(),
  );
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

/**
 * Why `raw` (a decoded URL) may not be used by the certificate, or null when it may. `load` = fetched
 * as an image or font (the service's own images and `data:` images/fonts); `link` = an <a>/<area>
 * href or a cite (never fetched: http(s), mailto, tel, relative); `resource` = any other fetch or
 * navigation (form actions, manifests: the service's own URLs only, no `data:`).
 */
export function urlProblem(
  raw: string,
  kind: 'load' | 'link' | 'resource',
  assetPrefixes: readonly string[] | Prefixes,
): string | null {
  const prefixes = Array.isArray(assetPrefixes)
    ? parsePrefixes(assetPrefixes as string[])
    : (assetPrefixes as Prefixes);
  const unsafe = unsafeUrl(raw, kind === 'load' ? 'image' : kind);
  if (unsafe) return unsafe;
  const v = browserUrl(raw);
  if (v === '' || v.startsWith('#')) return null;
  if (v.startsWith(MASK)) return null; // starts with a merge value: checked at render time
  if (kind === 'link') return null; // unsafeUrl allowed only http(s), mailto, tel or relative
  const scheme = urlScheme(v);
  if (scheme === 'data') return null; // an image or font: unsafeUrl refused the others
  if (scheme) {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      return 'is not a valid URL';
    }
    for (const p of prefixes.absolute) {
      if (
        u.protocol === p.protocol &&
        u.host === p.host &&
        !u.username &&
        !u.password &&
        u.pathname.startsWith(p.pathname)
      )
        return null;
    }
    return `loads from outside the service (only ${allowedText(prefixes)} and data: images/fonts may be loaded)`;
  }
  if (/^[\\/][\\/]/.test(v))
    return `protocol-relative URLs load from another host (only ${allowedText(prefixes)} may be loaded)`;
  const path = new URL(v.replace(/\\/g, '/'), 'https://x.invalid/').pathname;
  if (prefixes.relative.some((p) => path.startsWith(p))) return null;
  return `loads a path outside the service's images (only ${allowedText(prefixes)} may be loaded)`;
}
function allowedText(p: Prefixes): string {
  const all = [...p.absolute.map((u) => u.href), ...p.relative];
  return all.length ? all.map((x) => `${x}…`).join(', ') : 'nothing';
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

function checkHtml(original: string, prefixes: Prefixes, c: Collector): void {
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

function checkCss(which: Which, original: string, prefixes: Prefixes, c: Collector): void {
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
