import { createHash } from 'node:crypto';
import { randomString } from '../random-pool.js';

export type IdentityHashAlg = 'sha256' | 'md5';

const HASH_PATTERN = /^(sha256|md5)\$([0-9a-f]+)$/i;

/** OB IdentityHash: `alg$hex(hash(UTF8(identity) ‖ UTF8(salt)))`, identical in OB 2.0 and 3.0. */
export function hashIdentity(identity: string, salt: string, alg: IdentityHashAlg = 'sha256'): string {
  return `${alg}$${createHash(alg)
    .update(identity + salt, 'utf8')
    .digest('hex')}`;
}

/**
 * Verifiers hash the address they were given and compare it to ours, so emails are normalised
 * before hashing to make `A@Example.com` and `a@example.com` the same recipient.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function hashEmail(email: string, salt: string): string {
  return hashIdentity(normalizeEmail(email), salt);
}

/** Fresh salt per credential, so the same recipient cannot be correlated across credentials. */
export function randomSalt(): string {
  return randomString(16, 'hex');
}

export function isIdentityHash(value: string): boolean {
  return HASH_PATTERN.test(value);
}

/**
 * Compares a stored identity (an IdentityHash, or plaintext when `hashed` was false) with a
 * candidate identity. Hex case is ignored because the spec allows either case.
 */
export function identityMatches(hashOrPlain: string, identity: string, salt = ''): boolean {
  const m = HASH_PATTERN.exec(hashOrPlain);
  if (!m) return hashOrPlain === identity;
  const alg = m[1].toLowerCase() as IdentityHashAlg;
  return hashIdentity(identity, salt, alg).toLowerCase() === hashOrPlain.toLowerCase();
}

/** Also tries the address as given, for hashes made by issuers that did not normalise. */
export function emailMatches(hashOrPlain: string, email: string, salt = ''): boolean {
  if (!HASH_PATTERN.test(hashOrPlain)) return normalizeEmail(hashOrPlain) === normalizeEmail(email);
  return identityMatches(hashOrPlain, normalizeEmail(email), salt) || identityMatches(hashOrPlain, email, salt);
}
