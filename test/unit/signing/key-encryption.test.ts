import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateIssuerKeyPair } from '../../../src/signing/issuer-key.js';
import {
  decryptPrivateJwk,
  encryptPrivateJwk,
  KeyDecryptionError,
  parseMasterKey,
} from '../../../src/signing/key-encryption.js';

describe('private key encryption at rest', () => {
  it('round-trips with hex, base64 and passphrase master keys', async () => {
    const { privateJwk } = await generateIssuerKeyPair('ES256');
    const raw = randomBytes(32);
    for (const master of [
      raw,
      raw.toString('hex'),
      raw.toString('base64'),
      raw.toString('base64url'),
      'a long passphrase of at least 32 characters',
    ]) {
      const sealed = encryptPrivateJwk(privateJwk, master, 'kid-1');
      expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
      expect(sealed).not.toContain(privateJwk.d);
      expect(decryptPrivateJwk(sealed, master, 'kid-1')).toEqual(privateJwk);
    }
    expect(parseMasterKey(raw.toString('hex')).equals(raw)).toBe(true);
    expect(parseMasterKey(raw.toString('base64')).equals(raw)).toBe(true);
  });

  it('fails with a typed error on a wrong key, wrong context or tampering', async () => {
    const { privateJwk } = await generateIssuerKeyPair('RS256');
    const master = randomBytes(32).toString('hex');
    const sealed = encryptPrivateJwk(privateJwk, master, 'kid-1');
    expect(() => decryptPrivateJwk(sealed, randomBytes(32).toString('hex'), 'kid-1')).toThrow(KeyDecryptionError);
    expect(() => decryptPrivateJwk(sealed, master, 'kid-2')).toThrow(KeyDecryptionError);
    const parts = sealed.split('.');
    parts[3] = (parts[3][0] === 'A' ? 'B' : 'A') + parts[3].slice(1);
    expect(() => decryptPrivateJwk(parts.join('.'), master, 'kid-1')).toThrow(KeyDecryptionError);
    expect(() => decryptPrivateJwk('v2.a.b.c', master)).toThrow(KeyDecryptionError);
    expect(() => parseMasterKey('short')).toThrow(/at least 32/);
  });
});
