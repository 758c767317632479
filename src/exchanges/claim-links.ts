import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { parseMasterKey } from '../signing/key-encryption.js';

/**
 * Claim links: what lets the recipient (and nobody reading the public page) pick a credential up
 * with a wallet. A token is `<payload>.<mac>`, both base64url: the payload names the purpose, the
 * assertion and the expiry; the MAC is HMAC-SHA256 under a key derived from the master key
 * (KEY_ENCRYPTION_KEY) with its own HKDF label, so no new secret needs distributing and every
 * replica checks every token. Stateless: a token stays valid until it expires or the assertion is
 * revoked.
 */
const CLAIM_PURPOSE = 'wallet-claim';

export interface ClaimClaims {
  assertionId: string;
  expiresAt: Date;
}

export interface ClaimLink extends ClaimClaims {
  token: string;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function claimLinkSigner(masterKey: string, ttlMs: number) {
  const key = Buffer.from(hkdfSync('sha256', parseMasterKey(masterKey), 'badgeworks', 'wallet-claim-links/v1', 32));
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest();

  return {
    ttlMs,
    issue(assertionId: string, now = Date.now()): ClaimLink {
      const exp = Math.floor((now + ttlMs) / 1000);
      const payload = b64(JSON.stringify({ p: CLAIM_PURPOSE, a: assertionId, exp }));
      return { token: `${payload}.${b64(mac(payload))}`, assertionId, expiresAt: new Date(exp * 1000) };
    },

    /** The claims of a genuine, unexpired claim token of `assertionId`; undefined for anything else. */
    verify(token: string, assertionId: string, now = Date.now()): ClaimClaims | undefined {
      if (token.length > 1024) return undefined;
      const [payload, given, extra] = token.split('.');
      if (!payload || !given || extra !== undefined) return undefined;
      const expected = mac(payload);
      const actual = Buffer.from(given, 'base64url');
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
      let claims: { p?: unknown; a?: unknown; exp?: unknown };
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
      } catch {
        return undefined;
      }
      if (claims.p !== CLAIM_PURPOSE || claims.a !== assertionId || typeof claims.exp !== 'number') return undefined;
      if (claims.exp * 1000 <= now) return undefined;
      return { assertionId, expiresAt: new Date(claims.exp * 1000) };
    },
  };
}

export type ClaimLinkSigner = ReturnType<typeof claimLinkSigner>;
