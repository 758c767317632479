import type { FieldValue } from '../db/schema.js';
import type { BulkEntry, BulkResult } from './issuance-jobs.js';
import { normalizeEmail } from '../openbadges/recipient-hash.js';

/**
 * Pure planning of a bulk request: validate each entry, collapse duplicates, cut into chunks.
 * A bad entry fails alone (it is reported in `failed`); it does not refuse the whole request.
 */
export const MAX_BULK_USERS = 50_000;
/** Big enough to amortise a round of queries and one multi-row insert; small enough to retry cheaply. */
export const BULK_CHUNK_SIZE = 500;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const USER_ID = /^[^\s/?#]{1,255}$/;
const RECIPIENT_KEYS = new Set(['user_id', 'email', 'name', 'username']);

export type BulkUserInput = string | Record<string, unknown>;

export function isEmail(value: string): boolean {
  return value.length <= 320 && EMAIL.test(value);
}

function fieldsOf(obj: Record<string, unknown>): { fields?: Record<string, FieldValue>; error?: string } {
  const fields: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (RECIPIENT_KEYS.has(k)) continue;
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) {
      return { error: `Custom field "${k}" must be a string, number, boolean or null.` };
    }
    fields[k] = v as FieldValue;
  }
  return Object.keys(fields).length ? { fields } : {};
}

function entryOf(input: BulkUserInput, position: number): BulkEntry | { failed: BulkResult['failed'][number] } {
  if (typeof input === 'string') {
    const id = input.trim();
    if (!USER_ID.test(id)) return { failed: { user: input, reason: 'Not a valid username.' } };
    return { label: id, userId: id, kind: 'username' };
  }
  const rawId = input.user_id ?? input.username;
  const userId = typeof rawId === 'string' && rawId.trim() ? rawId.trim() : undefined;
  const email = typeof input.email === 'string' && input.email.trim() ? input.email.trim() : undefined;
  const name = typeof input.name === 'string' && input.name.trim() ? input.name.trim() : undefined;
  const label = userId ?? email ?? `users[${position}]`;
  if (!userId && !email) return { failed: { user: label, reason: 'A recipient needs a user_id or an email.' } };
  if (userId && !USER_ID.test(userId)) return { failed: { user: label, reason: 'Not a valid user_id.' } };
  if (email && !isEmail(email)) return { failed: { user: label, reason: `Not a valid email: "${email}".` } };
  const { fields, error } = fieldsOf(input);
  if (error) return { failed: { user: label, reason: error } };
  return {
    label,
    kind: 'object',
    ...(userId && { userId }),
    ...(email && { email }),
    ...(name && { name }),
    ...(fields && { fields }),
  };
}

/**
 * The identities an entry names, for collapsing duplicates: its user id and its normalised email.
 * An email-only recipient joins the directory under that email as user id, so it names that too.
 */
export function entryKeys(e: Pick<BulkEntry, 'userId' | 'email'>): string[] {
  const email = e.email !== undefined ? normalizeEmail(e.email) : undefined;
  const id = e.userId ?? email;
  return [...(id !== undefined ? [`id:${id}`] : []), ...(email !== undefined ? [`email:${email}`] : [])];
}

export function planBulk(users: BulkUserInput[]): { entries: BulkEntry[]; rejected: BulkResult['failed'] } {
  const entries: BulkEntry[] = [];
  const rejected: BulkResult['failed'] = [];
  const seen = new Set<string>();
  const seenRejected = new Set<string>();
  users.forEach((input, i) => {
    const e = entryOf(input, i);
    if ('failed' in e) {
      if (!seenRejected.has(e.failed.user)) rejected.push(e.failed);
      seenRejected.add(e.failed.user);
      return;
    }
    const keys = entryKeys(e);
    if (keys.some((k) => seen.has(k))) return;
    for (const k of keys) seen.add(k);
    entries.push(e);
  });
  return { entries, rejected };
}

export function chunksOf<T>(items: T[], size = BULK_CHUNK_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Merges chunk results in chunk order, after the entries refused up front. */
export function mergeResults(parts: BulkResult[]): BulkResult {
  const merged: BulkResult = { issued: [], skipped: [], failed: [] };
  for (const p of parts) {
    merged.issued.push(...p.issued);
    merged.skipped.push(...p.skipped);
    merged.failed.push(...p.failed);
  }
  return merged;
}
