import type { Job } from 'bullmq';
import type { Principal } from '../auth/principal.js';
import { NotFoundError } from '../errors.js';
import type { JobOwner } from './queues.js';
import type { QueueSet } from './queue-set.js';
import type { BulkRenderCounts } from '../db/bulk-render-repository.js';

/** What a client polling a long job sees: state, progress, and the result or failure reason. */
export interface JobStatus {
  id: string;
  name: string;
  state: string;
  progress: unknown;
  result: unknown;
  failedReason: string | null;
  attemptsMade: number;
  createdAt: string;
  finishedAt: string | null;
}

/** A bulk reports `{done, total}` from the start: BullMQ's initial progress is a bare 0. */
function progressOf(job: Job): unknown {
  const total = (job.data as { total?: unknown } | undefined)?.total;
  if (job.name === 'bulk' && typeof total === 'number' && (typeof job.progress !== 'object' || job.progress === null))
    return { done: 0, total };
  return job.progress ?? null;
}

export function toJobStatus(job: Job, state: string): JobStatus {
  const error = (job.returnvalue as { error?: { message?: unknown } } | null | undefined)?.error;
  const refusal = error && typeof error.message === 'string' ? error.message : undefined;
  return {
    id: String(job.id),
    name: job.name,
    // A job that refused its input (`{error}`) finished its work, but for the client it failed.
    state: refusal ? 'failed' : state,
    progress: progressOf(job),
    result: job.returnvalue ?? null,
    failedReason: job.failedReason || refusal || null,
    attemptsMade: job.attemptsMade,
    createdAt: new Date(job.timestamp).toISOString(),
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

/**
 * A bulk's progress with the renders of what it issued: `{done, total}` (users processed) plus
 * `{issued, rendered, failed_renders, skipped_renders}` and `renders_finished`, true once the job
 * is done and every issued assertion's render is settled (files stored, failed for good, or
 * skipped because the assertion was revoked first).
 */
function withRenderProgress(status: JobStatus, counts: BulkRenderCounts): JobStatus {
  const base = (status.progress ?? {}) as Record<string, unknown>;
  const settled = counts.rendered + counts.failed_renders + counts.skipped_renders;
  return {
    ...status,
    progress: { ...base, ...counts, renders_finished: status.state === 'completed' && settled >= counts.issued },
  };
}

/** A finished bulk's claim links (issue 15) for its issued and skipped users. */
export type BulkClaimLinks = (credentialId: string, users: string[]) => Promise<unknown[]>;

/**
 * A finished bulk that asked for claim links (`claim_links: true`, kept in its job data) gets them
 * in its result, as the finished answer would have had them. Made at each poll: they are signed,
 * not stored, and a recipient revoked since drops out.
 */
async function withClaimLinks(status: JobStatus, job: Job, claimLinks: BulkClaimLinks): Promise<JobStatus> {
  const data = job.data as { claimLinks?: boolean; credentialId?: string };
  const result = status.result as { issued?: unknown; skipped?: unknown } | null;
  if (!data.claimLinks || !data.credentialId || status.state !== 'completed') return status;
  if (!result || !Array.isArray(result.issued) || !Array.isArray(result.skipped)) return status;
  const users = [...result.issued, ...result.skipped].filter((u): u is string => typeof u === 'string');
  return { ...status, result: { ...result, claim_links: await claimLinks(data.credentialId, users) } };
}

export async function getJobStatus(
  queues: QueueSet,
  org: string,
  principal: Principal,
  jobId: string,
  bulkRenders?: { counts(bulkId: string): Promise<BulkRenderCounts> },
  bulkClaimLinks?: BulkClaimLinks,
): Promise<JobStatus> {
  // State first, then the job: read the other way round, a job finishing in between would show
  // state "completed" with the data of before (no result yet). Finished is final, so this order
  // can only show a finished job's data with an older state, which the next poll corrects.
  const state = await queues.issuance.getJobState(jobId);
  const job = await queues.issuance.getJob(jobId);
  const owner = job?.data as Partial<JobOwner> | undefined;
  // Another tenant's job, or another user's job for a non-admin, is indistinguishable from none.
  // Platform admins see the org's jobs; anyone else only their own (a bulk's result names users of
  // every department).
  if (!job || owner?.org !== org || (principal.role !== 'platform_admin' && owner.requestedBy !== principal.userId)) {
    throw new NotFoundError(`Job "${jobId}" does not exist.`);
  }
  let status = toJobStatus(job, state);
  if (job.name !== 'bulk') return status;
  if (bulkClaimLinks) status = await withClaimLinks(status, job, bulkClaimLinks);
  return bulkRenders ? withRenderProgress(status, await bulkRenders.counts(String(job.id))) : status;
}
