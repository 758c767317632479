import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  emailMatches,
  hashEmail,
  hashIdentity,
  identityMatches,
  randomSalt,
} from '../../../src/openbadges/recipient-hash.js';

describe('recipient hash', () => {
  it('matches the OB 3.0 spec vector and an independently computed hash', () => {
    expect(hashIdentity('a@example.com', 'Kosher')).toBe(
      'sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399',
    );
    const salt = randomSalt();
    const expected =
      'sha256$' +
      createHash('sha256')
        .update(Buffer.from(`zoë@example.com${salt}`, 'utf8'))
        .digest('hex');
    expect(hashIdentity('zoë@example.com', salt)).toBe(expected);
  });

  it('matches the OB 2.0 spec vector (no salt)', () => {
    expect(hashIdentity('mayze', '')).toBe('sha256$7a1a1b3f7d40552e4299180e346e3add12bf9a751a43d9c4ca4518febc2c60c6');
  });

  it('normalises emails and compares hashes case-insensitively', () => {
    const hash = hashEmail('  Alice@Example.COM ', 'pepper');
    expect(hash).toBe(hashIdentity('alice@example.com', 'pepper'));
    expect(emailMatches(hash.toUpperCase().replace('SHA256', 'sha256'), 'ALICE@example.com', 'pepper')).toBe(true);
    expect(emailMatches(hash, 'alice@example.com', 'salt')).toBe(false);
    expect(identityMatches('md5$' + createHash('md5').update('ab').digest('hex'), 'a', 'b')).toBe(true);
    expect(identityMatches('plain@example.com', 'plain@example.com')).toBe(true);
  });
});
