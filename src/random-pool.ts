import { randomFillSync } from 'node:crypto';

/**
 * Random bytes for ids and salts, drawn from a buffer refilled 4 KiB at a time (what
 * `crypto.randomUUID` does too). One `randomBytes(16)` call per id and per salt was ~0.3 s of the
 * job thread in a 10,000-user bulk (issue 18): the cost is the call, not the bytes. The bytes never
 * leave this module as a buffer, only encoded, so no caller keeps a view of the pool.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

function take(n: number): Buffer {
  if (n > POOL_SIZE) throw new RangeError(`at most ${POOL_SIZE} random bytes at a time`);
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + n);
  offset += n;
  return bytes;
}

/** `n` random bytes, encoded (hex, base64url…). */
export function randomString(n: number, encoding: BufferEncoding): string {
  return take(n).toString(encoding);
}
