/**
 * The only Handlebars helpers a template may use (besides the built-ins if / unless / each / with /
 * lookup). Helpers return plain strings or booleans: Handlebars escapes their output like any value.
 */
import { dateFormatter } from './template-context.js';

type HelperFn = (...args: unknown[]) => unknown;

/** Name -> [min params, max params] (Infinity = variadic). */
export const HELPER_ARITY: Record<string, [number, number]> = {
  formatDate: [1, 2],
  upper: [1, 1],
  lower: [1, 1],
  eq: [2, 2],
  ne: [2, 2],
  and: [2, Infinity],
  or: [2, Infinity],
  not: [1, 1],
  default: [2, 2],
};
/** Built-in block helpers a template may use (`{{#if}}` …). */
export const BLOCK_HELPERS = ['if', 'unless', 'each', 'with'] as const;
/** Built-in non-block helpers a template may use. */
export const BUILTIN_HELPERS: Record<string, [number, number]> = { lookup: [2, 2] };

export const HELPER_DOCS: Record<string, string> = {
  formatDate:
    '`{{formatDate issued_on_iso "long"}}` — format an ISO date: "long" (default), "medium", "short", "full", "year", "iso"; hash `locale="fr-FR"`, `timeZone="Europe/Paris"`',
  upper: '`{{upper recipient.name}}` — upper-case',
  lower: '`{{lower recipient.email}}` — lower-case',
  eq: '`{{#if (eq fields.grade "A")}}` — equality (as strings)',
  ne: '`{{#if (ne a b)}}` — inequality',
  and: '`{{#if (and a b)}}` — all truthy',
  or: '`{{#if (or a b)}}` — any truthy',
  not: '`{{#unless (not a)}}` — negation',
  default: '`{{default credential.course "—"}}` — value, or the fallback when empty',
};

/** Handlebars passes an options object as the last argument. */
function isOptions(v: unknown): v is { hash?: Record<string, unknown> } {
  return typeof v === 'object' && v !== null && 'hash' in v && 'data' in v;
}
function split(args: unknown[]): { params: unknown[]; hash: Record<string, unknown> } {
  const last = args[args.length - 1];
  if (isOptions(last)) return { params: args.slice(0, -1), hash: last.hash ?? {} };
  return { params: args, hash: {} };
}
const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? '' : String(v));
const truthy = (v: unknown): boolean => (Array.isArray(v) ? v.length > 0 : Boolean(v));

export const helpers: Record<string, HelperFn> = {
  formatDate(...args) {
    const { params, hash } = split(args);
    const raw = params[0];
    if (raw === null || raw === undefined || raw === '') return '';
    const d = raw instanceof Date ? raw : new Date(text(raw));
    if (Number.isNaN(d.getTime())) return '';
    const style = text(params[1] ?? 'long');
    const locale = typeof hash.locale === 'string' ? hash.locale : 'en-US';
    const timeZone = typeof hash.timeZone === 'string' ? hash.timeZone : 'UTC';
    if (style === 'iso') return d.toISOString().slice(0, 10);
    if (style === 'year') return String(d.getUTCFullYear());
    const st = style === 'medium' || style === 'short' || style === 'full' ? style : 'long';
    try {
      return dateFormatter(locale, st, timeZone).format(d);
    } catch {
      return dateFormatter('en-US', st, 'UTC').format(d);
    }
  },
  upper: (...args) => text(split(args).params[0]).toUpperCase(),
  lower: (...args) => text(split(args).params[0]).toLowerCase(),
  eq: (...args) => {
    const [a, b] = split(args).params;
    return text(a) === text(b);
  },
  ne: (...args) => {
    const [a, b] = split(args).params;
    return text(a) !== text(b);
  },
  and: (...args) => split(args).params.every(truthy),
  or: (...args) => split(args).params.some(truthy),
  not: (...args) => !truthy(split(args).params[0]),
  default: (...args) => {
    const [v, fallback] = split(args).params;
    return text(v) === '' ? fallback : v;
  },
};

export const HELPER_NAMES = Object.keys(helpers);
