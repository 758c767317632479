import { randomUUID } from 'node:crypto';
import { randomString } from './random-pool.js';

/**
 * Public entity ids: 22 url-safe characters (128 random bits), the shape Badgr's entityIds have.
 * Never with a leading dash, which command lines (ours included) read as an option.
 */
export function newEntityId(): string {
  for (;;) {
    const id = randomString(16, 'base64url');
    if (id[0] !== '-') return id;
  }
}

export function newUuid(): string {
  return randomUUID();
}
