import { createHash, randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import type { Principal } from '../auth/principal.js';
import { isPlatformAdmin } from '../auth/permissions.js';
import type { AssertionRepository, AssertionSummary } from '../db/assertion-repository.js';
import type { IdempotencyRepository } from '../db/idempotency-repository.js';
import {
  AppError,
  ConflictError,
  ForbiddenError,
  PayloadTooLargeError,
  UnavailableError,
  ValidationError,
} from '../errors.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { PublicUrls } from '../public-urls.js';
import type { QueueSet } from '../queue/queue-set.js';
import {
  QUEUE_NAMES,
  type AwardDetails,
  type BulkChunkJob,
  type BulkJob,
  type BulkResult,
  type IssueJob,
} from '../queue/queues.js';
import type { AssertionObject } from './assertion-format.js';
import { presentAssertions } from './assertion-service.js';
import { BULK_CHUNK_SIZE, chunksOf, MAX_BULK_USERS, planBulk, type BulkUserInput } from './bulk-plan.js';
import { loadIssuable } from './issuance-service.js';
import { resolveRecipients } from './recipients.js';

/**
 * The API side of issuing: check, enqueue, and wait for the job up to ISSUE_WAIT_MS. A job that
 * finishes in time answers with its result (201 / 200); one that does not answers 202 with the
 * URL to poll. An Idempotency-Key makes a retried request land on the same job, hence the same
 * assertion(s).
 */
export interface IssueResponse {
  status: 200 | 201 | 202;
  description: 'Ok' | 'Created';
  result: unknown;
}

export interface SingleIssueBody extends AwardDetails {
  recipient: { user_id?: string; email?: string; name?: string };
}

export interface BulkIssueBody extends AwardDetails {
  users: BulkUserInput[];
}

/**
 * The recipient shapes a single issue accepts, besides `recipient: {user_id, email, name}`: Badgr's
 * `recipient: {identity, type: "email" | "id"}` and a top-level `username` / `user_id` / `email`
 * (`name`). Pure; answers today's shape, or the message of what is wrong.
 */
export interface RecipientInput {
  recipient?: {
    user_id?: string;
    username?: string;
    email?: string;
    name?: string;
    identity?: string;
    type?: string;
    hashed?: boolean;
    plaintextIdentity?: string;
  };
  username?: string;
  user_id?: string;
  email?: string;
  name?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type NormalizedRecipient = { recipient: SingleIssueBody['recipient'] } | { error: string; field: string };

export function normalizeRecipient(body: RecipientInput): NormalizedRecipient {
  const given = body.recipient ?? {};
  // Badgr echoes a hashed identity with the address beside it: the address is the recipient.
  const r =
    given.hashed === true && given.plaintextIdentity
      ? { ...given, identity: given.plaintextIdentity, hashed: false }
      : given;
  if (r.hashed === true) {
    return { error: 'a hashed identity cannot be issued to; send it in plain text', field: 'recipient.hashed' };
  }
  let fromIdentity: { user_id?: string; email?: string } = {};
  if (r.identity !== undefined) {
    const type = r.type ?? 'email';
    if (type === 'email') {
      if (!EMAIL.test(r.identity)) {
        return { error: 'must be an email address when type is "email"', field: 'recipient.identity' };
      }
      fromIdentity = { email: r.identity };
    } else if (type === 'id' || type === 'username') fromIdentity = { user_id: r.identity };
    else return { error: `unsupported recipient type "${type}" (email, id or username)`, field: 'recipient.type' };
  }
  const pick = (field: 'user_id' | 'email' | 'name', ...values: (string | undefined)[]) => {
    const given = [...new Set(values.filter((v): v is string => v !== undefined))];
    return given.length > 1 ? { conflict: field } : { value: given[0] };
  };
  const userId = pick('user_id', r.user_id, r.username, fromIdentity.user_id, body.user_id, body.username);
  const email = pick('email', r.email, fromIdentity.email, body.email);
  const name = pick('name', r.name, body.name);
  for (const f of [userId, email, name]) {
    if ('conflict' in f) {
      return { error: `the request names two different values for ${f.conflict}`, field: f.conflict! };
    }
  }
  if (userId.value === undefined && email.value === undefined) {
    const error = 'needs a user_id or an email (or a username), in recipient or at the top level';
    return { error, field: 'recipient' };
  }
  return {
    recipient: {
      ...(userId.value !== undefined && { user_id: userId.value }),
      ...(email.value !== undefined && { email: email.value }),
      ...(name.value !== undefined && { name: name.value }),
    },
  };
}

/** Jobs kept this long after finishing (the jobs route reads them); flow jobs set it themselves. */
const FLOW_JOB_OPTS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

const MIN_EXPIRY_AHEAD_MS = 5000;
const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex');

type Waited<R> = { done: true; value: R } | { done: false };

export interface IssueRequestDeps {
  db: Db;
  assertionRepo: AssertionRepository;
  idempotencyRepo: IdempotencyRepository;
  queues: QueueSet;
  urls: PublicUrls;
  config: Pick<Config, 'publicBaseUrl' | 'issueWaitMs'>;
}

export function issueRequests(deps: IssueRequestDeps) {
  const { db, assertionRepo, idempotencyRepo } = deps;

  const statusUrl = (org: string, userId: string, jobId: string) =>
    `${deps.config.publicBaseUrl}/api/credentials/orgs/${encodeURIComponent(org)}` +
    `/users/${encodeURIComponent(userId)}/jobs/${encodeURIComponent(jobId)}`;

  function accepted(org: string, p: Principal, jobId: string): IssueResponse {
    return { status: 202, description: 'Ok', result: { job_id: jobId, status_url: statusUrl(org, p.userId, jobId) } };
  }

  /**
   * A bulk still running: its job, plus the empty lists a client of the bare `{skipped, issued}`
   * answer reads (the final lists are the job's result at status_url).
   */
  function bulkAccepted(org: string, p: Principal, jobId: string): IssueResponse {
    const { result } = accepted(org, p, jobId);
    return { status: 202, description: 'Ok', result: { ...(result as object), skipped: [], issued: [], failed: [] } };
  }

  async function waitFor<R>(job: Job, ms = deps.config.issueWaitMs): Promise<Waited<R>> {
    if (ms <= 0) return { done: false };
    try {
      const value = (await job.waitUntilFinished(deps.queues.issuanceEvents(), ms)) as R | null;
      if (value !== null && value !== undefined) return { done: true, value };
      // A job that finished before the wait began resolves with the stale (null) return value of
      // our local copy: read the stored result instead.
      const latest = await deps.queues.issuance.getJob(String(job.id));
      return latest?.returnvalue != null ? { done: true, value: latest.returnvalue as R } : { done: false };
    } catch (err) {
      const message = (err as Error).message ?? '';
      if (message.startsWith('Job wait')) {
        // The bound passed; a completion whose event was missed (Redis reconnect) still counts.
        const latest = await deps.queues.issuance.getJob(String(job.id));
        // Only a stored result counts; anything less answers 202 and the client polls the job.
        return latest && latest.returnvalue != null && (await latest.isCompleted())
          ? { done: true, value: latest.returnvalue as R }
          : { done: false };
      }
      // The job failed after all its attempts: a fault (database or Redis), not bad input.
      throw new UnavailableError(`Issuing failed: ${message}`);
    }
  }

  async function assertionObject(org: string, id: string): Promise<AssertionObject> {
    const a = await assertionRepo.getAssertionSummary(org, id);
    if (!a) throw new AppError(500, 'The issued assertion is missing.');
    return present(a);
  }

  async function present(a: AssertionSummary): Promise<AssertionObject> {
    return (await presentAssertions(db, deps.urls, [a], 'private'))[0];
  }

  /**
   * The job signs with whole-second dates a moment later: an expiry less than a few seconds ahead
   * would pass here and then fail in the job. Nobody means a credential to last five seconds.
   */
  function checkExpiry(expires: string | undefined): void {
    if (expires !== undefined && !(Date.parse(expires) >= Date.now() + MIN_EXPIRY_AHEAD_MS)) {
      throw new ValidationError('Invalid body: expires: must be a date-time in the future (at least 5 s ahead)', {
        fieldErrors: { expires: ['must be in the future'] },
      });
    }
  }

  const requestHash = (kind: string, request: unknown) => digest(kind, JSON.stringify(request));
  function assertSameRequest(row: { request_hash: string }, kind: string, request: unknown): void {
    if (row.request_hash !== requestHash(kind, request))
      throw new ConflictError('This Idempotency-Key was already used with a different request.');
  }

  async function claimKey(org: string, key: string, kind: string, request: unknown, jobId: string) {
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
  async function isRetry(org: string, key: string | undefined, kind: string, request: unknown): Promise<boolean> {
    if (key === undefined) return false;
    const row = await idempotencyRepo.findIdempotencyKey(org, key);
    if (!row) return false;
    assertSameRequest(row, kind, request);
    return true;
  }

  return {
    async issueSingle(
      p: Principal,
      org: string,
      credentialId: string,
      body: SingleIssueBody,
      idempotencyKey?: string,
    ): Promise<IssueResponse> {
      if (!isPlatformAdmin(p)) throw new ForbiddenError('Only platform admins issue credentials.');
      if (!(await isRetry(org, idempotencyKey, `issue ${credentialId}`, body))) {
        await loadIssuable(db, org, credentialId);
        checkExpiry(body.expires);
      }
      const { recipient: given, ...award } = body;
      if (!given.user_id && !given.email) {
        throw new ValidationError('Invalid body: recipient: needs a user_id or an email', {
          fieldErrors: { recipient: ['needs a user_id or an email'] },
        });
      }
      const { resolved, failed } = await resolveRecipients(db, org, [
        {
          label: given.user_id ?? given.email!,
          kind: 'object',
          ...(given.user_id && { userId: given.user_id }),
          ...(given.email && { email: given.email }),
          ...(given.name && { name: given.name }),
        },
      ]);
      if (failed.length)
        throw new ValidationError(failed[0].reason, { fieldErrors: { recipient: [failed[0].reason] } });
      const recipient = resolved[0].recipient;

      let jobId = `issue-${randomUUID()}`;
      if (idempotencyKey !== undefined) {
        jobId = `issue-${digest(org, idempotencyKey).slice(0, 40)}`;
        const row = await claimKey(org, idempotencyKey, `issue ${credentialId}`, body, jobId);
        if (row.assertion_id) {
          const a = await assertionRepo.getAssertionSummary(org, row.assertion_id);
          if (a) {
            const created = a.job_id === jobId;
            const result = await present(a);
            return { status: created ? 201 : 200, description: created ? 'Created' : 'Ok', result };
          }
        }
      }
      // Holding a live assertion already is an answer, not an error: the existing one, with 200.
      // An expired one is not: the job issues a new award that supersedes it.
      const [live] = await assertionRepo.findLiveAssertions(org, credentialId, [recipient.userId]);
      if (live && (!live.expired || live.job_id === jobId)) {
        if (idempotencyKey !== undefined) await idempotencyRepo.setIdempotentAssertion(org, idempotencyKey, live.id);
        const created = live.job_id === jobId;
        return {
          status: created ? 201 : 200,
          description: created ? 'Created' : 'Ok',
          result: await assertionObject(org, live.id),
        };
      }

      const data: IssueJob['data'] = {
        org,
        requestedBy: p.userId,
        credentialId,
        recipient,
        award,
        ...(idempotencyKey !== undefined && { idempotencyKey }),
      };
      const job = await deps.queues.issuance.add('issue', data, { jobId });
      const waited = await waitFor<IssueJob['result']>(job);
      if (!waited.done) return accepted(org, p, jobId);
      const outcome = waited.value;
      if ('error' in outcome) throw new AppError(outcome.error.status, outcome.error.message);
      return {
        status: outcome.created ? 201 : 200,
        description: outcome.created ? 'Created' : 'Ok',
        result: await assertionObject(org, outcome.assertionId),
      };
    },

    /** `waitMs: 0` queues and answers 202 at once (issuing signals fan out to several credentials). */
    async issueBulk(
      p: Principal,
      org: string,
      credentialId: string,
      body: BulkIssueBody,
      idempotencyKey?: string,
      opts: { waitMs?: number } = {},
    ): Promise<IssueResponse> {
      if (!isPlatformAdmin(p)) throw new ForbiddenError('Only platform admins issue credentials.');
      if (body.users.length > MAX_BULK_USERS) {
        throw new PayloadTooLargeError(
          `At most ${MAX_BULK_USERS} users per bulk request (got ${body.users.length}); split the list.`,
        );
      }
      if (!(await isRetry(org, idempotencyKey, `bulk ${credentialId}`, body))) {
        await loadIssuable(db, org, credentialId);
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
        parentId = `bulk-${digest(org, idempotencyKey).slice(0, 40)}`;
        await claimKey(org, idempotencyKey, `bulk ${credentialId}`, body, parentId);
      }
      let parent = await deps.queues.issuance.getJob(parentId);
      if (!parent) {
        const chunks = chunksOf(entries, BULK_CHUNK_SIZE);
        const owner = { org, requestedBy: p.userId };
        const parentData: BulkJob['data'] = {
          ...owner,
          credentialId,
          total: entries.length,
          chunkSize: BULK_CHUNK_SIZE,
          chunks: chunks.length,
          rejected,
        };
        await deps.queues.flows.add({
          name: 'bulk',
          queueName: QUEUE_NAMES.issuance,
          data: parentData,
          opts: { ...FLOW_JOB_OPTS, jobId: parentId },
          children: chunks.map((chunkEntries, chunkIndex) => {
            const data: BulkChunkJob['data'] = {
              ...owner,
              credentialId,
              bulkId: parentId,
              chunkIndex,
              chunkSize: BULK_CHUNK_SIZE,
              total: entries.length,
              entries: chunkEntries,
              award,
            };
            return {
              name: 'bulk-chunk',
              queueName: QUEUE_NAMES.issuance,
              data,
              // A chunk that keeps failing is reported per user by the parent instead of blocking it.
              opts: { ...FLOW_JOB_OPTS, jobId: `${parentId}.c${chunkIndex}`, ignoreDependencyOnFailure: true },
            };
          }),
        });
        parent = await deps.queues.issuance.getJob(parentId);
        if (!parent) throw new UnavailableError('The bulk job could not be queued.');
      }
      const waited = await waitFor<BulkResult>(parent, opts.waitMs);
      if (!waited.done) return bulkAccepted(org, p, parentId);
      const created = waited.value.issued.length > 0;
      return { status: created ? 201 : 200, description: created ? 'Created' : 'Ok', result: waited.value };
    },
  };
}

export type IssueRequests = ReturnType<typeof issueRequests>;
