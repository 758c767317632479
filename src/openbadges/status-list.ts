import { randomInt } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ValidationError } from '../errors.js';
import { toDateTimeZ } from './datetime.js';
import { VC_V2_CONTEXT, type BitstringStatusListEntry, type StatusPurpose } from './ob3-types.js';

/** W3C Bitstring Status List v1.0 minimum length (16 KB), which gives group privacy. */
export const MIN_STATUS_LIST_SIZE = 131_072;
/** Guards decoding of foreign lists against gzip bombs (128 M entries). */
const MAX_DECODED_BYTES = 16 * 1024 * 1024;

export function createBitstring(size = MIN_STATUS_LIST_SIZE): Uint8Array {
  if (!Number.isInteger(size) || size < MIN_STATUS_LIST_SIZE || size % 8 !== 0) {
    throw new ValidationError(`Status list size must be a multiple of 8 and at least ${MIN_STATUS_LIST_SIZE}.`);
  }
  return new Uint8Array(size / 8);
}

function checkIndex(bits: Uint8Array, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= bits.length * 8) {
    throw new ValidationError(`Status list index ${index} is out of range.`);
  }
}

// Index 0 is the left-most (most significant) bit of byte 0, as the W3C spec requires.
export function setBit(bits: Uint8Array, index: number, value: boolean): void {
  checkIndex(bits, index);
  const mask = 0x80 >> (index & 7);
  if (value) bits[index >> 3] |= mask;
  else bits[index >> 3] &= ~mask;
}

export function getBit(bits: Uint8Array, index: number): boolean {
  checkIndex(bits, index);
  return (bits[index >> 3] & (0x80 >> (index & 7))) !== 0;
}

/** Multibase base64url (`u` prefix, no padding) of the GZIP-compressed bitstring. */
export function encodeBitstring(bits: Uint8Array): string {
  return 'u' + gzipSync(bits).toString('base64url');
}

export function decodeBitstring(encoded: string): Uint8Array {
  // StatusList2021 lists lack the `u`; gzip's base64 always starts with `H4sI`, so no ambiguity.
  const body = encoded.startsWith('u') ? encoded.slice(1) : encoded;
  try {
    return new Uint8Array(gunzipSync(Buffer.from(body, 'base64url'), { maxOutputLength: MAX_DECODED_BYTES }));
  } catch {
    throw new ValidationError('encodedList is not base64url-encoded GZIP data.');
  }
}

/**
 * Picks an unused index at random (random assignment keeps the index from revealing issuance
 * order). Falls back to a scan from a random start when the list is nearly full; null when full.
 */
export function randomFreeIndex(
  used: ReadonlySet<number> | ((index: number) => boolean),
  size = MIN_STATUS_LIST_SIZE,
  rng: (maxExclusive: number) => number = randomInt,
): number | null {
  const isUsed = typeof used === 'function' ? used : (i: number) => used.has(i);
  for (let attempt = 0; attempt < 32; attempt++) {
    const i = rng(size);
    if (!isUsed(i)) return i;
  }
  const start = rng(size);
  for (let k = 0; k < size; k++) {
    const i = (start + k) % size;
    if (!isUsed(i)) return i;
  }
  return null;
}

export function buildStatusListEntry(input: {
  listUrl: string;
  index: number;
  purpose?: StatusPurpose;
}): BitstringStatusListEntry {
  if (!Number.isInteger(input.index) || input.index < 0) {
    throw new ValidationError(`Status list index ${input.index} is not a non-negative integer.`);
  }
  return {
    // The entry id must differ from the list URL; OB's strict schema requires one.
    id: `${input.listUrl}#${input.index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: input.purpose ?? 'revocation',
    statusListIndex: String(input.index),
    statusListCredential: input.listUrl,
  };
}

export interface StatusListCredential {
  '@context': string[];
  id: string;
  type: ['VerifiableCredential', 'BitstringStatusListCredential'];
  issuer: string;
  validFrom: string;
  validUntil?: string;
  credentialSubject: {
    id: string;
    type: 'BitstringStatusList';
    statusPurpose: StatusPurpose;
    encodedList: string;
    ttl?: number;
  };
}

/** The unsigned list credential; sign it like any credential (a status list must be signed). */
export function buildStatusListCredential(input: {
  id: string;
  issuer: string;
  validFrom: Date;
  validUntil?: Date;
  encodedList: string;
  purpose?: StatusPurpose;
  /** Milliseconds verifiers may cache the list. */
  ttl?: number;
}): StatusListCredential {
  const credential: StatusListCredential = {
    '@context': [VC_V2_CONTEXT],
    id: input.id,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: input.issuer,
    validFrom: toDateTimeZ(input.validFrom),
    credentialSubject: {
      id: `${input.id}#list`,
      type: 'BitstringStatusList',
      statusPurpose: input.purpose ?? 'revocation',
      encodedList: input.encodedList,
    },
  };
  if (input.validUntil) credential.validUntil = toDateTimeZ(input.validUntil);
  if (input.ttl !== undefined) credential.credentialSubject.ttl = input.ttl;
  return credential;
}
