import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * The security headers of every response (helmet's defaults). Helmet's are the same for every
 * request, so they are also taken once as a plain object: the answers served from memory
 * (src/http/public-answers.ts) carry them in their prepared headers instead of a dozen
 * `setHeader` calls per request.
 */
export const securityHeaders: RequestHandler = helmet();

export function staticSecurityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name];
    },
  };
  let synchronous = false;
  (securityHeaders as unknown as (req: object, res: object, next: () => void) => void)({}, res, () => {
    synchronous = true;
  });
  // A helmet that read the request or answered later would make these headers per request.
  if (!synchronous) throw new Error('helmet did not set its headers synchronously');
  return headers;
}
