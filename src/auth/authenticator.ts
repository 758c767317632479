import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { DirectoryService } from '../directory/directory-service.js';
import { looksLikeJwt } from './api-token.js';
import type { Principal } from './principal.js';

/**
 * Turns a bearer token into a principal: our own opaque API tokens, or (when AUTH_JWKS_URL is set)
 * a platform-issued JWT whose claims name the user, org, role and departments.
 */
export interface JwtAuthConfig {
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

const claimsSchema = z.object({
  sub: z.string().min(1),
  org: z.string().min(1),
  role: z.enum(['platform_admin', 'department_admin', 'student']),
  departments: z.array(z.string()).default([]),
});

/** `<scheme> <token>`; the scheme is case-insensitive (RFC 9110). */
const AUTH_SCHEME = /^(?:Bearer|Token|Api-Token)\s+(\S+)\s*$/i;

export function createAuthenticator(directory: DirectoryService, jwt: JwtAuthConfig) {
  const jwks = jwt.jwksUrl ? createRemoteJWKSet(new URL(jwt.jwksUrl), { timeoutDuration: 3000 }) : undefined;

  async function fromJwt(token: string): Promise<Principal | undefined> {
    if (!jwks) return undefined;
    let payload: JWTPayload;
    try {
      // exp is required: a JWT cannot be revoked here, so one without an end would be valid forever.
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: jwt.issuer,
        audience: jwt.audience,
        algorithms: ['RS256', 'ES256', 'EdDSA'],
        requiredClaims: ['exp'],
      }));
    } catch {
      return undefined;
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) return undefined;
    return {
      userId: claims.data.sub,
      org: claims.data.org,
      role: claims.data.role,
      departments: claims.data.departments,
      via: 'jwt',
    };
  }

  return {
    async authenticate(authorization: string | undefined): Promise<Principal | undefined> {
      // `Bearer`, and DRF's `Token` and `Api-Token`, which this API's clients send as often.
      const m = AUTH_SCHEME.exec(authorization ?? '');
      if (!m) return undefined;
      const token = m[1];
      if (jwks && looksLikeJwt(token)) return fromJwt(token);
      if (token.length > 512) return undefined;
      return directory.authenticateToken(token);
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
