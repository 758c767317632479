import { createHash, randomBytes } from 'node:crypto';

/**
 * Opaque API tokens: a recognisable prefix plus 256 random bits. Only the sha256 is stored; a
 * token has enough entropy that a slow hash would add cost without adding safety.
 */
const PREFIX = 'bw_';

export function generateApiToken(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}
