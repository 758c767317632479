import type { RequestHandler } from 'express';
import { ValidationError } from '../errors.js';

/**
 * PostgreSQL text cannot hold U+0000: a NUL that reaches a query fails it with an encoding error
 * (a 500). No field of this API has a use for one, so input carrying it is refused up front.
 */
const NUL_IN_URL = /%00|\u0000/;

/** Path and query: checked once, before auth and tenancy read the path's org. */
export function rejectNulInUrl(): RequestHandler {
  return (req, _res, next) => {
    if (NUL_IN_URL.test(req.url)) throw new ValidationError('The request URL must not contain NUL (%00) characters.');
    next();
  };
}

/** Parsed bodies (JSON and form fields): every string and key, at any depth. */
export function assertNoNul(value: unknown, where: string, path: string[] = []): void {
  const fail = (at: string[]) => {
    const field = at.length ? at.join('.') : where;
    throw new ValidationError(`Invalid ${where}: ${field}: must not contain NUL characters`, { fieldErrors: { [field]: ['must not contain NUL characters'] } });
  };
  if (typeof value === 'string') {
    if (value.includes('\u0000')) fail(path);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertNoNul(v, where, [...path, String(i)]));
  } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) fail(path);
      assertNoNul(v, where, [...path, k]);
    }
  }
}
