import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import { isPlatformAdmin } from '../auth/permissions.js';
import { ForbiddenError, PayloadTooLargeError, UnavailableError } from '../errors.js';
import { queueBulkFlow } from './bulk-flow.js';
import { MAX_BULK_USERS, planBulk, type BulkUserInput } from './bulk-plan.js';
import { checkExpiry } from './expiry-rule.js';
import { claimKey, isRetry, keyedJobId } from './idempotent-requests.js';
import { accepted, bulkAccepted, issueAndWait, type IssueRequestDeps, type IssueResponse } from './issue-answers.js';
import type { AwardDetails, BulkResult } from './issuance-jobs.js';
import { loadIssuable } from './issuable.js';

export interface BulkIssueBody extends AwardDetails {
  users: BulkUserInput[];
}

/**
 * POST …/credentials/{id}/issue for a list of users: check, queue the bulk flow (once per key),
 * wait for its parent. `waitMs: 0` queues and answers 202 at once (issuing signals fan out to
 * several credentials).
 */
export async function issueBulk(
  deps: IssueRequestDeps,
  p: Principal,
  org: string,
  credentialId: string,
  body: BulkIssueBody,
  idempotencyKey?: string,
  opts: { waitMs?: number; claimLinks?: boolean } = {},
): Promise<IssueResponse> {
  if (!isPlatformAdmin(p)) throw new ForbiddenError('Only platform admins issue credentials.');
  if (body.users.length > MAX_BULK_USERS) {
    throw new PayloadTooLargeError(
      `At most ${MAX_BULK_USERS} users per bulk request (got ${body.users.length}); split the list.`,
    );
  }
  const kind = `bulk ${credentialId}`;
  if (!(await isRetry(deps.idempotencyRepo, org, idempotencyKey, kind, body))) {
    await loadIssuable(deps.db, org, credentialId);
    checkExpiry(body.expires);
  }
  const { users, ...award } = body;
  const { entries, rejected } = planBulk(users);
  if (entries.length === 0) {
    const result: BulkResult = { issued: [], skipped: [], failed: rejected };
    return { status: 200, description: 'Ok', result };
  }

  let parentId = `bulk-${randomUUID()}`;
  if (idempotencyKey !== undefined) {
    parentId = keyedJobId('bulk', org, idempotencyKey);
    await claimKey(deps.idempotencyRepo, org, idempotencyKey, kind, body, parentId);
  }
  const queue = deps.queues.issuance;
  const waited = await issueAndWait<BulkResult>(
    deps,
    async () => {
      const existing = await queue.getJob(parentId);
      if (existing) return existing;
      const owner = { org, requestedBy: p.userId };
      const bulk = { owner, credentialId, entries, rejected, claimLinks: opts.claimLinks };
      await queueBulkFlow(deps.queues, parentId, bulk, award);
      const parent = await queue.getJob(parentId);
      if (!parent) throw new UnavailableError('The bulk job could not be queued.');
      return parent;
    },
    opts.waitMs,
  );
  if (!waited.done) {
    const queued = bulkAccepted(deps, org, p, parentId);
    return { ...queued, statusUrl: (queued.result as { status_url: string }).status_url };
  }
  const created = waited.value.issued.length > 0;
  // The lists are final, the renders that follow are not: the job's status URL reports them.
  // A header, so the finished answer stays the seed's bare body.
  const { status_url } = accepted(deps, org, p, parentId).result as { status_url: string };
  return {
    status: created ? 201 : 200,
    description: created ? 'Created' : 'Ok',
    result: waited.value,
    statusUrl: status_url,
  };
}
