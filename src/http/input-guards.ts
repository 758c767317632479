import type { RequestHandler } from 'express';
import { ValidationError } from '../errors.js';
import { MAX_JSON_DEPTH } from '../verification/input-limits.js';

/**
 * Checks every request's input gets before any route reads it.
 *
 * NUL: PostgreSQL text cannot hold U+0000: a NUL that reaches a query fails it with an encoding
 * error (a 500). No field of this API has a use for one, so input carrying it is refused up front.
 * Depth: no body of this API nests more than a few levels, but a 1 MB body can nest a hundred
 * thousand, enough to overflow the stack of whatever walks it next (schema checks, comparison,
 * JSON.stringify of the answer).
 */
const NUL_IN_URL = /%00|\u0000/;
/** The same bound as JSON inside JWTs and uploaded files (verification/input-limits.ts). */
export const MAX_BODY_DEPTH = MAX_JSON_DEPTH;

/** Path and query: checked once, before auth and tenancy read the path's org. */
export function rejectNulInUrl(): RequestHandler {
  return (req, _res, next) => {
    if (NUL_IN_URL.test(req.url)) throw new ValidationError('The request URL must not contain NUL (%00) characters.');
    next();
  };
}

/** Parsed bodies (JSON and form fields): every string and key, at any depth, without recursion. */
export function assertSafeBody(value: unknown, where: string): void {
  const stack: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  const fail = (path: string[]) => {
    const field = path.length ? path.join('.') : where;
    throw new ValidationError(`Invalid ${where}: ${field}: must not contain NUL characters`, {
      fieldErrors: { [field]: ['must not contain NUL characters'] },
    });
  };
  while (stack.length) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) fail(path);
      continue;
    }
    if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) continue;
    if (path.length >= MAX_BODY_DEPTH)
      throw new ValidationError(`Invalid ${where}: nested more than ${MAX_BODY_DEPTH} levels deep.`);
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ value: item, path: [...path, String(i)] }));
    } else {
      for (const [k, item] of Object.entries(v)) {
        if (k.includes('\u0000')) fail(path);
        stack.push({ value: item, path: [...path, k] });
      }
    }
  }
}
