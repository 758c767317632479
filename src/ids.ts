import { randomBytes, randomUUID } from 'node:crypto';

/** Public entity ids: 22 url-safe characters (128 random bits), the shape Badgr's entityIds have. */
export function newEntityId(): string {
  return randomBytes(16).toString('base64url');
}

export function newUuid(): string {
  return randomUUID();
}
