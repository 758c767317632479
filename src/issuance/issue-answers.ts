import type { Job } from 'bullmq';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { AssertionRepository } from '../db/assertion-repository.js';
import type { IdempotencyRepository } from '../db/idempotency-repository.js';
import { InternalError, UnavailableError } from '../errors.js';
import type { PublicUrls } from '../public-urls.js';
import { enqueueAndWait } from '../queue/enqueue-and-wait.js';
import type { QueueSet } from '../queue/queue-set.js';
import type { AssertionObject } from './assertion-format.js';
import { presentAssertions } from './assertion-service.js';

/**
 * The API side of issuing answers with the job's result when it finishes within the wait
 * (201 / 200), else 202 with the URL to poll.
 */
export interface IssueResponse {
  status: 200 | 201 | 202;
  description: 'Ok' | 'Created';
  result: unknown;
  /** The job's status URL, sent as a `Link: <…>; rel="monitor"` header (bulks). */
  statusUrl?: string;
}

export interface IssueRequestDeps {
  db: Db;
  assertionRepo: AssertionRepository;
  idempotencyRepo: IdempotencyRepository;
  queues: QueueSet;
  urls: PublicUrls;
  config: Pick<Config, 'publicBaseUrl' | 'issueWaitMs'>;
}

const statusUrl = (deps: IssueRequestDeps, org: string, userId: string, jobId: string) =>
  `${deps.config.publicBaseUrl}/api/credentials/orgs/${encodeURIComponent(org)}/users/${encodeURIComponent(userId)}` +
  `/jobs/${encodeURIComponent(jobId)}`;

export function accepted(deps: IssueRequestDeps, org: string, p: Principal, jobId: string): IssueResponse {
  return {
    status: 202,
    description: 'Ok',
    result: { job_id: jobId, status_url: statusUrl(deps, org, p.userId, jobId) },
  };
}

/**
 * A bulk still running: its job, plus the empty lists a client of the bare `{skipped, issued}`
 * answer reads (the final lists are the job's result at status_url).
 */
export function bulkAccepted(deps: IssueRequestDeps, org: string, p: Principal, jobId: string): IssueResponse {
  const { result } = accepted(deps, org, p, jobId);
  return { status: 202, description: 'Ok', result: { ...(result as object), skipped: [], issued: [], failed: [] } };
}

/** An assertion as the answer: 201 when this request's job created it, 200 when it was there already. */
export async function assertionAnswer(
  deps: IssueRequestDeps,
  org: string,
  assertionId: string,
  created: boolean,
): Promise<IssueResponse> {
  const a = await deps.assertionRepo.getAssertionSummary(org, assertionId);
  if (!a) throw new InternalError('The issued assertion is missing.');
  const result: AssertionObject = (await presentAssertions(deps.db, deps.urls, [a], 'private'))[0];
  return { status: created ? 201 : 200, description: created ? 'Created' : 'Ok', result };
}

export type Waited<R> = { job: Job } & ({ done: true; value: R } | { done: false });

/**
 * Queues an issuance job (or finds it) and waits for it up to `waitMs`. A job that failed after
 * all its attempts met a fault (database or Redis), not bad input: 503.
 */
export async function issueAndWait<R>(
  deps: IssueRequestDeps,
  enqueue: () => Promise<Job>,
  waitMs = deps.config.issueWaitMs,
): Promise<Waited<R>> {
  const { job, outcome } = await enqueueAndWait<R>(
    deps.queues.issuance,
    () => deps.queues.issuanceEvents(),
    enqueue,
    waitMs,
  );
  if (outcome.state === 'failed') throw new UnavailableError(`Issuing failed: ${outcome.reason}`);
  // Only a stored result counts; anything less answers 202 and the client polls the job.
  if (outcome.state === 'completed' && outcome.value !== null && outcome.value !== undefined)
    return { job, done: true, value: outcome.value };
  return { job, done: false };
}
