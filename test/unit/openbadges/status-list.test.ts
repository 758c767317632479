import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  buildStatusListCredential,
  createBitstring,
  decodeBitstring,
  encodeBitstring,
  getBit,
  randomFreeIndex,
  setBit,
} from '../../../src/openbadges/status-list.js';

/** Independent decoder written from the W3C spec text, not from our module. */
function specDecode(encodedList: string): { bytes: Buffer; bit: (i: number) => boolean } {
  expect(encodedList[0]).toBe('u');
  const b64 = encodedList.slice(1).replace(/-/g, '+').replace(/_/g, '/');
  const bytes = gunzipSync(Buffer.from(b64, 'base64'));
  return { bytes, bit: (i) => ((bytes[Math.floor(i / 8)] >> (7 - (i % 8))) & 1) === 1 };
}

describe('bitstring status list', () => {
  it('encodes a 131072-entry list that a spec decoder reads back', () => {
    const bits = createBitstring();
    setBit(bits, 12345, true);
    setBit(bits, 0, true);
    setBit(bits, 131071, true);
    const encoded = encodeBitstring(bits);
    expect(encoded.startsWith('uH4sI')).toBe(true);
    expect(encoded).not.toMatch(/[+/=]/);

    const { bytes, bit } = specDecode(encoded);
    expect(bytes.length).toBe(16384);
    expect(bytes.length * 8).toBeGreaterThanOrEqual(131072);
    expect(bit(12345)).toBe(true);
    expect(bit(12344)).toBe(false);
    expect(bit(12346)).toBe(false);
    expect(bytes[0]).toBe(0x80);
    expect(bytes[12345 >> 3]).toBe(0x80 >> (12345 % 8));
    expect(bytes[16383]).toBe(0x01);
    expect([...bytes].reduce((n, b) => n + (b.toString(2).match(/1/g)?.length ?? 0), 0)).toBe(3);
  });

  it('round-trips through its own decoder and clears bits', () => {
    const bits = createBitstring();
    setBit(bits, 77, true);
    const decoded = decodeBitstring(encodeBitstring(bits));
    expect(getBit(decoded, 77)).toBe(true);
    setBit(decoded, 77, false);
    expect(getBit(decoded, 77)).toBe(false);
  });

  it('refuses lists below the minimum size and out-of-range indexes', () => {
    expect(() => createBitstring(1024)).toThrow();
    expect(() => setBit(createBitstring(), 131072, true)).toThrow();
    expect(() => decodeBitstring('unot-gzip')).toThrow();
  });

  it('picks free indexes at random and returns null when full', () => {
    const used = new Set([1, 2, 3]);
    let calls = 0;
    const rng = () => [2, 3, 9][calls++ % 3];
    expect(randomFreeIndex(used, 131072, rng)).toBe(9);
    const all = new Set(Array.from({ length: 16 }, (_, i) => i));
    expect(randomFreeIndex(all, 16)).toBeNull();
    const almostFull = new Set(Array.from({ length: 16 }, (_, i) => i).filter((i) => i !== 11));
    expect(randomFreeIndex(almostFull, 16)).toBe(11);
  });

  it('builds the list credential', () => {
    const cred = buildStatusListCredential({
      id: 'https://badges.example.org/api/status/1',
      issuer: 'https://badges.example.org/api/issuers/42',
      validFrom: new Date('2024-06-01T12:00:00.500Z'),
      encodedList: 'uH4sI',
      ttl: 300000,
    });
    expect(cred).toEqual({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: 'https://badges.example.org/api/status/1',
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: 'https://badges.example.org/api/issuers/42',
      validFrom: '2024-06-01T12:00:00Z',
      credentialSubject: {
        id: 'https://badges.example.org/api/status/1#list',
        type: 'BitstringStatusList',
        statusPurpose: 'revocation',
        encodedList: 'uH4sI',
        ttl: 300000,
      },
    });
  });
});
