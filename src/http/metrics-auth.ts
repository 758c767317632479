import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { UnauthorizedError } from '../errors.js';

/**
 * `/metrics` behind METRICS_TOKEN when it is set (`Authorization: Bearer <token>`, as Prometheus'
 * `authorization` scrape setting sends it); open when it is not, as before.
 */
export function metricsAuth(token: string | undefined): RequestHandler {
  if (!token) return (_req, _res, next) => next();
  const want = createHash('sha256').update(token).digest();
  return (req, _res, next) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    // Hashes of equal length: the comparison takes the same time whatever was sent.
    const got = createHash('sha256')
      .update(m?.[1] ?? '')
      .digest();
    if (!m || !timingSafeEqual(want, got))
      throw new UnauthorizedError('/metrics needs the METRICS_TOKEN bearer token.');
    next();
  };
}
