import express, { type RequestHandler } from 'express';
import type { ZodType } from 'zod';
import { ValidationError } from '../errors.js';

/**
 * Form bodies (`application/x-www-form-urlencoded`, `multipart/form-data`) for the routes that take
 * a JSON object, as a Django REST Framework API accepts them: parsed into the same plain object the
 * route's zod schema validates.
 *
 * - Flat fields only. A key repeated (or written `key[]`) makes an array; so does one value for a
 *   field whose schema is an array.
 * - Form values are text: each top-level field is coerced by what its schema expects — a boolean
 *   from `true/false/1/0/on/off/yes/no`, a number from a decimal numeral, an object (or array of
 *   objects) from a JSON text (`recipient={"identity": …}`), an array from a JSON array text
 *   (`["a","b"]`) or from its repeated values. A value that does not coerce is left as text for
 *   the schema to refuse with its usual field message.
 * - Files are not fields: a file part on such a route is a 400 (uploads have their own routes).
 *
 * The body is buffered under the route's body limit first (413 beyond it) and then parsed by the
 * platform's own form parser (undici's `Response.formData()`), so no part can grow unbounded.
 */
export const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];
/** What a route with a body accepts: JSON, or the same fields as a form. */
export const BODY_TYPES = ['application/json', ...FORM_TYPES];
export const MAX_FORM_FIELDS = 1000;

export function formBodyParser(limit: string): RequestHandler[] {
  return [
    express.raw({ type: FORM_TYPES, limit }),
    async (req, _res, next) => {
      if (!Buffer.isBuffer(req.body)) return next();
      req.body = await parseForm(req.body, String(req.headers['content-type']));
      next();
    },
  ];
}

async function parseForm(bytes: Buffer, contentType: string): Promise<Record<string, string | string[]>> {
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(bytes), { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new ValidationError(`Malformed ${contentType.split(';')[0]} body.`);
  }
  const out: Record<string, string | string[]> = Object.create(null);
  let n = 0;
  for (const [rawKey, value] of form.entries()) {
    if (++n > MAX_FORM_FIELDS) throw new ValidationError(`A form body may have at most ${MAX_FORM_FIELDS} fields.`);
    const isList = rawKey.endsWith('[]');
    const key = isList ? rawKey.slice(0, -2) : rawKey;
    if (typeof value !== 'string') {
      throw new ValidationError(`File uploads are not accepted on this route (field "${key}").`, {
        fieldErrors: { [key]: ['must be a text field, not a file'] },
      });
    }
    const prev = out[key];
    if (prev === undefined) out[key] = isList ? [value] : value;
    else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return { ...out };
}

type Kind = 'boolean' | 'number' | 'object' | 'array' | 'other';

interface ZodInternals {
  _zod: { def: Record<string, unknown> & { type: string } };
}

/** What a (possibly wrapped) zod schema expects: optional/nullable/default/pipe layers are looked through. */
function kindOf(schema: unknown, depth = 0): { kind: Kind; item?: Kind } {
  const def = (schema as ZodInternals | undefined)?._zod?.def;
  if (!def || depth > 20) return { kind: 'other' };
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return kindOf(def.innerType, depth + 1);
    case 'pipe': {
      // z.preprocess(fn, s) is a pipe from a transform into s; s.transform(fn) a pipe from s.
      const input = def.in as ZodInternals;
      return kindOf(input._zod.def.type === 'transform' ? def.out : def.in, depth + 1);
    }
    case 'lazy':
      return kindOf((def.getter as () => unknown)(), depth + 1);
    case 'boolean':
      return { kind: 'boolean' };
    case 'number':
    case 'int':
      return { kind: 'number' };
    case 'object':
    case 'record':
      return { kind: 'object' };
    case 'array':
      return { kind: 'array', item: kindOf(def.element, depth + 1).kind };
    case 'union': {
      // e.g. a recipient given as an id or as an object: JSON text becomes the object.
      const kinds = (def.options as unknown[]).map((o) => kindOf(o, depth + 1).kind);
      return { kind: kinds.includes('object') ? 'object' : 'other' };
    }
    default:
      return { kind: 'other' };
  }
}

function jsonOf(field: string, text: string, what: 'object' | 'array'): unknown {
  try {
    const v = JSON.parse(text) as unknown;
    if (what === 'array' ? Array.isArray(v) : v !== null && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch {
    // fall through
  }
  throw new ValidationError(`Invalid body: ${field}: must be a JSON ${what}`, {
    fieldErrors: { [field]: [`must be a JSON ${what}`] },
  });
}

function coerceScalar(field: string, v: unknown, kind: Kind | undefined): unknown {
  if (typeof v !== 'string') return v;
  switch (kind) {
    case 'boolean':
      if (/^(true|1|on|yes)$/i.test(v)) return true;
      if (/^(false|0|off|no)$/i.test(v)) return false;
      return v;
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    case 'object':
      return v.trimStart().startsWith('{') ? jsonOf(field, v, 'object') : v;
    default:
      return v;
  }
}

/** Coerces the top-level fields of a parsed form by the route's body schema (see the module comment). */
export function coerceFormFields(body: Record<string, unknown>, schema: ZodType | undefined): Record<string, unknown> {
  const shape = objectShape(schema);
  if (!shape) return body;
  const out: Record<string, unknown> = { ...body };
  for (const [field, value] of Object.entries(body)) {
    const { kind, item } = kindOf(shape[field]);
    if (kind === 'array') {
      let list: unknown[];
      if (Array.isArray(value)) list = value;
      else if (typeof value === 'string' && value.trimStart().startsWith('[')) {
        list = jsonOf(field, value, 'array') as unknown[];
      } else list = [value];
      out[field] = list.map((v, i) => coerceScalar(`${field}.${i}`, v, item));
    } else if (!Array.isArray(value)) {
      out[field] = coerceScalar(field, value, kind);
    }
  }
  return out;
}

function objectShape(schema: unknown, depth = 0): Record<string, unknown> | undefined {
  const def = (schema as ZodInternals | undefined)?._zod?.def;
  if (!def || depth > 20) return undefined;
  if (def.type === 'object') return def.shape as Record<string, unknown>;
  const wrappers = ['optional', 'nullable', 'default', 'prefault', 'readonly'];
  if (wrappers.includes(def.type)) return objectShape(def.innerType, depth + 1);
  if (def.type === 'pipe') {
    const input = def.in as ZodInternals;
    return objectShape(input._zod.def.type === 'transform' ? def.out : def.in, depth + 1);
  }
  return undefined;
}
