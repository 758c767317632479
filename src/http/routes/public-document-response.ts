import type { Request, Response } from 'express';
import { z } from 'zod';

/**
 * How the public documents are answered. Content types follow OPEN-BADGES.md: the VC-JWT as
 * text/plain (§2.1), the OB 3.0 credential as application/vc+ld+json (§2.2), OB 2.0 and OB 3.0
 * JSON-LD objects as application/ld+json (§4.2), keys as application/jwk+json and
 * application/jwk-set+json (§2.3). Express adds a (weak) ETag to every body and answers
 * If-None-Match with 304.
 */
export const pub = '/api/credentials/public';
export const id = z.string().min(1).max(100);

/** JSON-LD documents (Open Badges' own schemas define them; see src/openbadges/schemas). */
export const jsonLd = z.looseObject({ '@context': z.unknown(), id: z.string().optional(), type: z.unknown() });
export const jwk = z.looseObject({ kty: z.string(), kid: z.string().optional() });

/** Mutable documents (an assertion can be revoked, a list re-signed): short caching. */
export const SHORT = 'public, max-age=60';
export const PROFILE = 'public, max-age=300';
/** A key id names one key forever. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Access-Control-Allow-Origin: * comes with every public route (src/http/route.ts). */
export function publicHeaders(res: Response, cacheControl: string): void {
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  res.setHeader('Cache-Control', cacheControl);
}

export function sendDocument(
  res: Response,
  type: string,
  body: string | object,
  cacheControl: string,
  status = 200,
): void {
  publicHeaders(res, cacheControl);
  res
    .status(status)
    .type(type)
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

/** JSON-LD unless the client accepts only plain JSON (the OB 2.0 hosting rule); caches key on Accept. */
export function jsonLdType(req: Request, res: Response): string {
  res.vary('Accept');
  return req.accepts(['application/ld+json', 'application/json']) === 'application/json'
    ? 'application/json'
    : 'application/ld+json';
}
