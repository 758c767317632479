import type { JWK } from 'jose';
import { ValidationError } from '../errors.js';
import type { SigningAlg } from './issuer-key.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const;

/**
 * The single public JWK served at the `kid` URL (the 1EdTech validator GETs `kid` and expects
 * one JWK, not a set). `issuer` adds the non-standard `iss` member the OB impl guide describes.
 */
export function toPublicJwk(jwk: JWK, kid: string, alg: SigningAlg, opts: { issuer?: string } = {}): JWK {
  const pub: JWK = {};
  for (const m of PUBLIC_MEMBERS) if (jwk[m] !== undefined) pub[m] = jwk[m];
  if (!pub.kty || (pub.kty === 'RSA' ? !pub.n || !pub.e : !pub.x)) {
    throw new ValidationError('The JWK has no public key material.');
  }
  return { ...pub, kid, alg, use: 'sig', ...(opts.issuer && { iss: opts.issuer }) };
}

/** JWKS for `/.well-known/jwks.json`; include retired keys so old credentials still verify. */
export function buildJwks(keys: JWK[]): { keys: JWK[] } {
  for (const key of keys) {
    if (PRIVATE_MEMBERS.some((m) => key[m] !== undefined)) {
      throw new ValidationError(`Refusing to publish private key material (kid ${key.kid ?? 'unknown'}).`);
    }
  }
  return { keys: keys.map((k) => ({ ...k })) };
}
