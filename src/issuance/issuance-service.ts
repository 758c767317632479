import type { Db } from '../db/database.js';
import type { AssertionRepository } from '../db/assertion-repository.js';
import type { IdempotencyRepository } from '../db/idempotency-repository.js';
import { isRefusal, ValidationError } from '../errors.js';
import type { IssuerKeyService } from '../issuers/issuer-keys.js';
import type { Logger } from '../logger.js';
import type { PublicUrls } from '../public-urls.js';
import type { QueueSet } from '../queue/queue-set.js';
import { jobError } from '../queue/job-error.js';
import { RENDER_PRIORITY } from '../rendering/render-jobs.js';
import type { BulkChunkJob, BulkResult, IssueJob } from './issuance-jobs.js';
import { resolveRecipients } from './recipients.js';
import type { StatusListService } from './status-lists.js';
import type { DataIntegrityPool } from '../signing/data-integrity-pool.js';
import type { Notifier } from '../events/notifier.js';
import { loadIssuable, type Issuable } from './issuable.js';
import { awardIssuer, type AwardOutcome } from './award.js';

/**
 * Signing and storing assertions: the work of the issuance jobs (single and bulk chunks). The
 * award itself (rows, the insert with its events, render jobs) is award.ts.
 */
export interface IssuanceDeps {
  db: Db;
  assertionRepo: AssertionRepository;
  idempotencyRepo: IdempotencyRepository;
  urls: PublicUrls;
  issuerKeys: IssuerKeyService;
  statusLists: StatusListService;
  signingPool: DataIntegrityPool;
  queues: QueueSet;
  logger: Logger;
  /** Issue 16: records `assertion.issued`/`reissued` in the insert's transaction. */
  notifier?: Notifier;
}

export function issuanceService(deps: IssuanceDeps) {
  const { db, idempotencyRepo } = deps;
  const award = awardIssuer(deps);

  return {
    award,

    /** The `issue` job: one recipient, resolved by the API. */
    async issueOne(data: IssueJob['data'], jobId: string): Promise<IssueJob['result']> {
      let target: Issuable;
      try {
        target = await loadIssuable(db, data.org, data.credentialId);
      } catch (err) {
        if (isRefusal(err)) return jobError(err);
        throw err;
      }
      let outcome: AwardOutcome;
      try {
        outcome = await award(target, [data.recipient], data.award, {
          org: data.org,
          requestedBy: data.requestedBy,
          jobId,
          holder: jobId,
          priority: RENDER_PRIORITY.single,
        });
      } catch (err) {
        if (err instanceof ValidationError) return jobError(err);
        throw err;
      }
      const userId = data.recipient.userId;
      const issued = outcome.issued.get(userId);
      const existing = outcome.skipped.get(userId);
      const assertionId = issued ?? existing;
      if (!assertionId)
        return {
          error: {
            code: 'ERR_UNAVAILABLE',
            message: outcome.failed.get(userId) ?? 'The assertion could not be issued.',
          },
        };
      if (data.idempotencyKey) await idempotencyRepo.setIdempotentAssertion(data.org, data.idempotencyKey, assertionId);
      return { assertionId, created: issued !== undefined };
    },

    /** A `bulk-chunk` job: resolve its entries, issue, and name each outcome by the entry's label. */
    async issueChunk(data: BulkChunkJob['data'], chunkJobId: string): Promise<BulkResult> {
      const result: BulkResult = { issued: [], skipped: [], failed: [] };
      let target: Issuable;
      try {
        target = await loadIssuable(db, data.org, data.credentialId);
      } catch (err) {
        if (isRefusal(err)) {
          result.failed = data.entries.map((e) => ({ user: e.label, reason: err.message }));
          return result;
        }
        throw err;
      }
      const { resolved, failed } = await resolveRecipients(db, data.org, data.entries);
      result.failed.push(...failed);
      let outcome: AwardOutcome;
      try {
        outcome = await award(
          target,
          resolved.map((r) => r.recipient),
          data.award,
          {
            org: data.org,
            requestedBy: data.requestedBy,
            jobId: data.bulkId,
            holder: chunkJobId,
            priority: RENDER_PRIORITY.bulk,
            bulkId: data.bulkId,
          },
        );
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        result.failed.push(...resolved.map((r) => ({ user: r.label, reason: err.message })));
        return result;
      }
      // Two entries naming the same person (a username and that user's email): the second is a duplicate.
      const reported = new Set<string>();
      for (const { label, recipient } of resolved) {
        const userId = recipient.userId;
        if (reported.has(userId)) {
          result.skipped.push(label);
          continue;
        }
        reported.add(userId);
        if (outcome.issued.has(userId)) result.issued.push(label);
        else if (outcome.skipped.has(userId)) result.skipped.push(label);
        else result.failed.push({ user: label, reason: outcome.failed.get(userId) ?? 'Not issued.' });
      }
      return result;
    },
  };
}

export type IssuanceService = ReturnType<typeof issuanceService>;
