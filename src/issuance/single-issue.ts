import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import { isPlatformAdmin } from '../auth/permissions.js';
import type { Db } from '../db/database.js';
import { ForbiddenError, ValidationError } from '../errors.js';
import { jobErrorToAppError } from '../queue/job-error.js';
import { checkExpiry } from './expiry-rule.js';
import { claimKey, isRetry, keyedJobId } from './idempotent-requests.js';
import { accepted, assertionAnswer, issueAndWait, type IssueRequestDeps, type IssueResponse } from './issue-answers.js';
import type { AwardDetails, IssueJob, ResolvedRecipient } from './issuance-jobs.js';
import { loadIssuable } from './issuable.js';
import type { RecipientFields } from './recipient-input.js';
import { resolveRecipients } from './recipients.js';

export interface SingleIssueBody extends AwardDetails {
  recipient: RecipientFields;
}

/** The one recipient of a single issue, resolved against the directory (400 when it cannot be). */
async function resolveRecipient(db: Db, org: string, given: RecipientFields): Promise<ResolvedRecipient> {
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
  if (failed.length) throw new ValidationError(failed[0].reason, { fieldErrors: { recipient: [failed[0].reason] } });
  return resolved[0].recipient;
}

/**
 * The answer already settled without a job: the assertion this key's request issued, or the live
 * one the recipient holds (an answer, not an error: the existing one, with 200). An expired one is
 * not: the job issues a new award that supersedes it.
 */
async function settledAnswer(
  deps: IssueRequestDeps,
  org: string,
  credentialId: string,
  recipient: ResolvedRecipient,
  jobId: string,
  claimed: { assertion_id: string | null } | undefined,
  idempotencyKey: string | undefined,
): Promise<IssueResponse | undefined> {
  if (claimed?.assertion_id) {
    const a = await deps.assertionRepo.getAssertionSummary(org, claimed.assertion_id);
    if (a) return assertionAnswer(deps, org, a.id, a.job_id === jobId);
  }
  const [live] = await deps.assertionRepo.findLiveAssertions(org, credentialId, [recipient.userId]);
  if (live && (!live.expired || live.job_id === jobId)) {
    if (idempotencyKey !== undefined) await deps.idempotencyRepo.setIdempotentAssertion(org, idempotencyKey, live.id);
    return assertionAnswer(deps, org, live.id, live.job_id === jobId);
  }
  return undefined;
}

/** POST …/credentials/{id}/issue for one recipient: check, enqueue the `issue` job, wait for it. */
export async function issueSingle(
  deps: IssueRequestDeps,
  p: Principal,
  org: string,
  credentialId: string,
  body: SingleIssueBody,
  idempotencyKey?: string,
): Promise<IssueResponse> {
  if (!isPlatformAdmin(p)) throw new ForbiddenError('Only platform admins issue credentials.');
  const kind = `issue ${credentialId}`;
  if (!(await isRetry(deps.idempotencyRepo, org, idempotencyKey, kind, body))) {
    await loadIssuable(deps.db, org, credentialId);
    checkExpiry(body.expires);
  }
  const { recipient: given, ...award } = body;
  const recipient = await resolveRecipient(deps.db, org, given);

  let jobId = `issue-${randomUUID()}`;
  let claimed: { assertion_id: string | null } | undefined;
  if (idempotencyKey !== undefined) {
    jobId = keyedJobId('issue', org, idempotencyKey);
    claimed = await claimKey(deps.idempotencyRepo, org, idempotencyKey, kind, body, jobId);
  }
  const settled = await settledAnswer(deps, org, credentialId, recipient, jobId, claimed, idempotencyKey);
  if (settled) return settled;

  const data: IssueJob['data'] = {
    org,
    requestedBy: p.userId,
    credentialId,
    recipient,
    award,
    ...(idempotencyKey !== undefined && { idempotencyKey }),
  };
  const waited = await issueAndWait<IssueJob['result']>(deps, () => deps.queues.issuance.add('issue', data, { jobId }));
  if (!waited.done) return accepted(deps, org, p, jobId);
  const outcome = waited.value;
  if ('error' in outcome) throw jobErrorToAppError(outcome.error);
  return assertionAnswer(deps, org, outcome.assertionId, outcome.created);
}
