import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { AppError, ValidationError } from '../errors.js';

/** A stored private key cannot be opened: wrong master key, or tampered/corrupt data. */
export class KeyDecryptionError extends AppError {
  constructor(message = 'The private key could not be decrypted with the configured master key.') {
    super('ERR_KEY_DECRYPTION', message);
  }
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MIN_PASSPHRASE_CHARS = 32;

/**
 * Accepts 32 raw bytes, 64 hex chars or base64(url) of 32 bytes as-is. Any other string is
 * stretched with HKDF-SHA256; HKDF is no password hash, hence the minimum length.
 */
export function parseMasterKey(masterKey: string | Uint8Array): Buffer {
  if (typeof masterKey !== 'string') {
    if (masterKey.length !== 32) throw new ValidationError('A binary master key must be 32 bytes.');
    return Buffer.from(masterKey);
  }
  const s = masterKey.trim();
  if (/^[0-9a-f]{64}$/i.test(s)) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(s)) {
    const raw = Buffer.from(s.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
    if (raw.length === 32) return raw;
  }
  if (s.length < MIN_PASSPHRASE_CHARS) {
    throw new ValidationError(
      `The master key must be 32 bytes (hex/base64) or a string of at least ${MIN_PASSPHRASE_CHARS} characters.`,
    );
  }
  return Buffer.from(hkdfSync('sha256', Buffer.from(s, 'utf8'), 'badgeworks', 'key-encryption/v1', 32));
}

/**
 * AES-256-GCM → `v1.<iv>.<tag>.<ciphertext>` (base64url). `context` (e.g. the kid) is bound as
 * associated data, so a sealed key copied onto another key's row will not decrypt.
 */
export function encryptPrivateJwk(jwk: JWK, masterKey: string | Uint8Array, context = ''): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', parseMasterKey(masterKey), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(jwk), 'utf8'), cipher.final()]);
  return [VERSION, ...[iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url'))].join('.');
}

export function decryptPrivateJwk(sealed: string, masterKey: string | Uint8Array, context = ''): JWK {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION)
    throw new KeyDecryptionError('The sealed private key has an unknown format.');
  const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
    throw new KeyDecryptionError('The sealed private key has an unknown format.');
  try {
    const decipher = createDecipheriv('aes-256-gcm', parseMasterKey(masterKey), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as JWK;
  } catch {
    throw new KeyDecryptionError();
  }
}
