import { compactVerify, CompactSign, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { ValidationError } from '../errors.js';
import { hasFractionalSeconds, toNumericDate } from '../openbadges/datetime.js';
import { SIGNING_ALGS, type SigningAlg } from './issuer-key.js';
import { clearEs256KeyCache, signEs256Compact } from './es256-sign.js';

/** VC-JWT for OB 3.0 (OPEN-BADGES.md §2.1): unwrapped VCDM 2.0 payload plus registered claims. */

export type JwtErrorCode = 'malformed' | 'header' | 'key' | 'signature' | 'claims';

/**
 * A JWT that does not decode or verify. Its `code` names the check that failed (jose's errors do
 * the same); the verifier reports it as a failed check, so it is no HTTP error of its own.
 */
export class CredentialJwtError extends Error {
  readonly code: JwtErrorCode;
  constructor(code: JwtErrorCode, message: string) {
    super(message);
    this.name = 'CredentialJwtError';
    this.code = code;
  }
}

/** The fields of a credential that the JWT claims are derived from. */
export interface SignableCredential {
  id: string;
  issuer: string | { id: string };
  validFrom: string;
  validUntil?: string;
  credentialSubject: { id?: string } | Array<{ id?: string }>;
}

export interface CredentialJwtPayload extends Record<string, unknown> {
  iss: string;
  jti: string;
  sub: string;
  nbf: number;
  exp?: number;
}

export interface SigningKey {
  privateJwk: JWK;
  alg: SigningAlg;
  /** URL that dereferences to the single public JWK. */
  kid: string;
}

export interface CredentialJwtHeader {
  alg: string;
  kid?: string;
  jwk?: JWK;
  typ?: string;
}

/** Importing a JWK costs more than signing with it, so imported keys are kept per kid. */
const keyCache = new Map<string, CryptoKey>();
const KEY_CACHE_LIMIT = 256;

const keyCacheId = (jwk: JWK, alg: SigningAlg, kid: string) =>
  `${alg} ${kid} ${jwk.x ?? jwk.n ?? ''} ${jwk.d ? 'private' : 'public'}`;

async function importCached(jwk: JWK, alg: SigningAlg, kid: string): Promise<CryptoKey> {
  // The public key material is part of the cache key, so a re-used kid never picks a stale key.
  const id = keyCacheId(jwk, alg, kid);
  let key = keyCache.get(id);
  if (!key) {
    key = (await importJWK(jwk, alg)) as CryptoKey;
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(id, key);
  }
  return key;
}

export function clearKeyCache(): void {
  keyCache.clear();
  clearEs256KeyCache();
}

const issuerId = (issuer: unknown): unknown =>
  typeof issuer === 'object' && issuer !== null ? (issuer as { id?: unknown }).id : issuer;

const subjectId = (subject: unknown): unknown =>
  (Array.isArray(subject) ? subject[0] : (subject as { id?: unknown } | undefined))?.id;

export async function signCredentialJwt(credential: SignableCredential, key: SigningKey): Promise<string> {
  const iss = issuerId(credential.issuer);
  const sub = subjectId(credential.credentialSubject);
  const nbf = toNumericDate(credential.validFrom);
  const exp = credential.validUntil === undefined ? undefined : toNumericDate(credential.validUntil);
  if (typeof iss !== 'string' || !iss) throw new ValidationError('The credential has no issuer id (JWT iss).');
  if (!credential.id) throw new ValidationError('The credential has no id (JWT jti).');
  if (typeof sub !== 'string' || !sub) throw new ValidationError('The credential subject has no id (JWT sub).');
  if (nbf === null || exp === null) throw new ValidationError('validFrom/validUntil is not a date-time.');
  if (
    hasFractionalSeconds(credential.validFrom) ||
    (credential.validUntil && hasFractionalSeconds(credential.validUntil))
  ) {
    throw new ValidationError('validFrom/validUntil must be at whole seconds so that nbf/exp round-trip.');
  }
  if (!SIGNING_ALGS.includes(key.alg)) throw new ValidationError(`Unsupported JWT algorithm ${String(key.alg)}.`);

  const payload = { ...credential, iss, jti: credential.id, sub, nbf, ...(exp !== undefined && { exp }) };
  const header = { alg: key.alg, kid: key.kid, typ: 'JWT' };
  if (key.alg === 'ES256') {
    return signEs256Compact(
      header,
      JSON.stringify(payload),
      key.privateJwk,
      keyCacheId(key.privateJwk, key.alg, key.kid),
    );
  }
  const privateKey = await importCached(key.privateJwk, key.alg, key.kid);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header).sign(privateKey);
}

/** No verification: for reading a baked or stored JWT before its key is known. */
export function decodeCredentialJwt(jwt: string): { header: CredentialJwtHeader; payload: CredentialJwtPayload } {
  try {
    return {
      header: decodeProtectedHeader(jwt) as CredentialJwtHeader,
      payload: decodeJwt(jwt) as CredentialJwtPayload,
    };
  } catch {
    throw new CredentialJwtError('malformed', 'The value is not a compact JWT.');
  }
}

const ALLOWED_HEADER = new Set(['alg', 'kid', 'jwk', 'typ']);

function checkHeader(header: CredentialJwtHeader): void {
  const extra = Object.keys(header).filter((k) => !ALLOWED_HEADER.has(k));
  if (extra.length)
    throw new CredentialJwtError('header', `JOSE header members not allowed by OB 3.0: ${extra.join(', ')}.`);
  if (header.typ !== undefined && header.typ !== 'JWT')
    throw new CredentialJwtError('header', 'JOSE header typ must be "JWT".');
  if (!SIGNING_ALGS.includes(header.alg as SigningAlg))
    throw new CredentialJwtError('header', `Unsupported JWT algorithm ${header.alg}.`);
  if (!header.kid && !header.jwk) throw new CredentialJwtError('header', 'JOSE header needs a kid or a jwk.');
  if (header.jwk && 'd' in header.jwk)
    throw new CredentialJwtError('header', 'JOSE header jwk contains private key material.');
}

/** Resolves the public key for a JWT, typically by its `kid` (never trust `jwk` blindly). */
export type PublicKeyResolver = (header: CredentialJwtHeader) => JWK | Promise<JWK>;

/**
 * Checks the header rules and the signature. Claim/field agreement and validity dates are
 * separate ({@link claimsMatchCredential}) because verifiers report them separately.
 */
export async function verifyCredentialJwt(
  jwt: string,
  key: JWK | PublicKeyResolver,
): Promise<{ header: CredentialJwtHeader; payload: CredentialJwtPayload }> {
  const { header } = decodeCredentialJwt(jwt);
  checkHeader(header);
  let publicJwk: JWK;
  try {
    publicJwk = typeof key === 'function' ? await key(header) : key;
  } catch (err) {
    throw new CredentialJwtError('key', `The signing key could not be resolved: ${(err as Error).message}`);
  }
  if ('d' in publicJwk) throw new CredentialJwtError('key', 'A private JWK was supplied for verification.');
  const alg = header.alg as SigningAlg;
  if (publicJwk.alg && publicJwk.alg !== alg)
    throw new CredentialJwtError('key', `The key is for ${publicJwk.alg}, not ${alg}.`);
  let cryptoKey: CryptoKey;
  try {
    cryptoKey = await importCached(publicJwk, alg, header.kid ?? '');
  } catch {
    throw new CredentialJwtError('key', 'The public key is not a usable JWK.');
  }
  let bytes: Uint8Array;
  try {
    ({ payload: bytes } = await compactVerify(jwt, cryptoKey, { algorithms: [alg] }));
  } catch {
    throw new CredentialJwtError('signature', 'The JWT signature is invalid.');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new CredentialJwtError('malformed', 'The JWT payload is not JSON.');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new CredentialJwtError('malformed', 'The JWT payload is not a JSON object.');
  }
  return { header, payload: payload as CredentialJwtPayload };
}

/**
 * OB 3.0 verifier step: registered claims must agree with the embedded credential. Accepts the
 * legacy VCDM 1.1 `vc`-wrapped form too, as the 1EdTech validator does.
 */
export function claimsMatchCredential(payload: Record<string, unknown>): { ok: boolean; mismatches: string[] } {
  const vc = (typeof payload.vc === 'object' && payload.vc !== null ? payload.vc : payload) as Record<string, unknown>;
  const mismatches: string[] = [];
  const expect = (claim: string, actual: unknown, wanted: unknown, field: string) => {
    if (actual !== wanted)
      mismatches.push(`${claim} (${JSON.stringify(actual)}) does not match ${field} (${JSON.stringify(wanted)})`);
  };
  expect('iss', payload.iss, issuerId(vc.issuer), 'issuer.id');
  expect('jti', payload.jti, vc.id, 'id');
  expect('sub', payload.sub, subjectId(vc.credentialSubject), 'credentialSubject.id');
  const from = vc.validFrom ?? vc.issuanceDate;
  const until = vc.validUntil ?? vc.expirationDate;
  expect('nbf', payload.nbf, typeof from === 'string' ? toNumericDate(from) : undefined, 'validFrom');
  if (until !== undefined || payload.exp !== undefined) {
    expect('exp', payload.exp, typeof until === 'string' ? toNumericDate(until) : undefined, 'validUntil');
  }
  return { ok: mismatches.length === 0, mismatches };
}
