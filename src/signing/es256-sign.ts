import { createPrivateKey, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { LruCache } from '../lru-cache.js';

/**
 * Compact ES256 JWS signed with node:crypto, synchronously (issue 18). jose signs through
 * WebCrypto, whose promise and job per signature cost ~3x the CPU of the signature itself: in a
 * 10,000-user bulk ~1 s of the thread that also runs the jobs and the embedded database, against
 * ~0.3 s here (a P-256 signature is ~50 µs, short enough to take on the event loop; RSA is not,
 * and stays with jose). The output is what jose's CompactSign makes of the same header and
 * payload: base64url of their JSON, and the raw r‖s signature (JWS's encoding of ECDSA).
 */
let keys = new LruCache<string, KeyObject>(256);

function keyObject(jwk: JWK, cacheId: string): KeyObject {
  let key = keys.get(cacheId);
  if (!key) {
    key = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
    keys.set(cacheId, key);
  }
  return key;
}

export function signEs256Compact(header: object, payload: string, jwk: JWK, cacheId: string): string {
  // Another curve would sign, but not as ES256 (a 96-byte P-384 signature no verifier accepts).
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new Error(`ES256 needs a P-256 key, not ${jwk.kty} ${jwk.crv}`);
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(input), { key: keyObject(jwk, cacheId), dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export function clearEs256KeyCache(): void {
  keys = new LruCache<string, KeyObject>(keys.max);
}
