/**
 * The Handlebars side of the write-time check: a walk of the template's AST against the tag tree
 * (merge tags, helpers and their arity, blocks, the issuer's allowed tags), then Handlebars' own
 * opcode compiler as a last guard.
 */
import Handlebars from 'handlebars';
import { BLOCK_HELPERS, BUILTIN_HELPERS, HELPER_ARITY } from './helpers.js';
import { TAG_TREE, type TagNode } from './template-context.js';
import { errorLine, firstLine, type Collector, type Which } from './template-problems.js';

/** Handlebars' opcode compiler (untyped in its .d.ts): the checks of precompile() without code generation. */
type OpcodeCompiler = new () => { compile(ast: hbs.AST.Program, options: object): unknown };
const HandlebarsCompiler = (Handlebars as unknown as { Compiler: OpcodeCompiler }).Compiler;

/** Runs a recursive walk of the template; nesting too deep for the stack is a template error, not a 500. */
export function walkTemplate(which: Which, c: Collector, walk: () => void): void {
  try {
    walk();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    c.add(which, null, 'blocks are nested too deeply');
  }
}

function knownHelpersMap(): Record<string, boolean> {
  const m: Record<string, boolean> = { log: false };
  for (const n of [...Object.keys(HELPER_ARITY), ...BLOCK_HELPERS, ...Object.keys(BUILTIN_HELPERS)]) m[n] = true;
  return m;
}

/** Compiles exactly as the renderer will (knownHelpersOnly): catches anything the walk missed. */
export function compileCheck(which: Which, ast: hbs.AST.Program, c: Collector): void {
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

type HbNode = hbs.AST.Node;

export function parseTemplate(which: Which, text: string, c: Collector): hbs.AST.Program | null {
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
export interface Scope extends Resolved {
  blockParams?: Record<string, Resolved>;
}

const ROOT_NODE: TagNode = { kind: 'object', description: 'root', children: TAG_TREE };
export const ROOT_SCOPE: Scope = { node: ROOT_NODE, tag: '' };
const DYNAMIC: Resolved = { node: { kind: 'scalar', description: 'computed', example: '' }, tag: null };

export class AstChecker {
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
