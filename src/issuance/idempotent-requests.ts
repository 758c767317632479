import { createHash } from 'node:crypto';
import type { IdempotencyRepository } from '../db/idempotency-repository.js';
import { ConflictError } from '../errors.js';

/**
 * Idempotency-Key handling of issuing requests: a key names one request (its hash is kept), and a
 * retried request lands on the same job id, hence on the same assertion(s).
 */
export const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex');

const requestHash = (kind: string, request: unknown) => digest(kind, JSON.stringify(request));

/** The job id of a request: fixed by its key when it has one, fresh otherwise. */
export const keyedJobId = (prefix: 'issue' | 'bulk', org: string, key: string) =>
  `${prefix}-${digest(org, key).slice(0, 40)}`;

function assertSameRequest(row: { request_hash: string }, kind: string, request: unknown): void {
  if (row.request_hash !== requestHash(kind, request))
    throw new ConflictError('This Idempotency-Key was already used with a different request.');
}

/** Claims `key` for this request and job (409 when it came with another request); the stored row. */
export async function claimKey(
  idempotencyRepo: IdempotencyRepository,
  org: string,
  key: string,
  kind: string,
  request: unknown,
  jobId: string,
) {
  const { row } = await idempotencyRepo.claimIdempotencyKey({
    org,
    key,
    request_hash: requestHash(kind, request),
    job_id: jobId,
  });
  assertSameRequest(row, kind, request);
  return row;
}

/**
 * A retry of a request already accepted under this key (409 when the key came with another
 * request). A retry is answered from that request's job and assertion(s), so checks that held
 * when it was accepted (an expiry still in the future, a credential not yet deleted) are not run
 * again against it.
 */
export async function isRetry(
  idempotencyRepo: IdempotencyRepository,
  org: string,
  key: string | undefined,
  kind: string,
  request: unknown,
): Promise<boolean> {
  if (key === undefined) return false;
  const row = await idempotencyRepo.findIdempotencyKey(org, key);
  if (!row) return false;
  assertSameRequest(row, kind, request);
  return true;
}
