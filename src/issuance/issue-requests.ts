import type { Principal } from '../auth/principal.js';
import { issueBulk, type BulkIssueBody } from './bulk-issue.js';
import type { IssueRequestDeps, IssueResponse } from './issue-answers.js';
import { issueSingle, type SingleIssueBody } from './single-issue.js';

export type { IssueResponse } from './issue-answers.js';
export type { SingleIssueBody } from './single-issue.js';
export type { BulkIssueBody } from './bulk-issue.js';
export { normalizeRecipient, type NormalizedRecipient, type RecipientInput } from './recipient-input.js';

/**
 * The API side of issuing: check, enqueue, and wait for the job up to ISSUE_WAIT_MS. A job that
 * finishes in time answers with its result (201 / 200); one that does not answers 202 with the
 * URL to poll. An Idempotency-Key makes a retried request land on the same job, hence the same
 * assertion(s). The parts: idempotent-requests, expiry-rule, recipient-input, single-issue,
 * bulk-issue (bulk-flow), issue-answers (the wait, on src/queue/enqueue-and-wait.ts).
 */
/** The issuing routes' entry points; `createApp` opens the issuance event stream they wait on. */
export function issueRequests(deps: IssueRequestDeps) {
  return {
    issueSingle: (p: Principal, org: string, credentialId: string, body: SingleIssueBody, idempotencyKey?: string) =>
      issueSingle(deps, p, org, credentialId, body, idempotencyKey),
    issueBulk: (
      p: Principal,
      org: string,
      credentialId: string,
      body: BulkIssueBody,
      idempotencyKey?: string,
      opts: { waitMs?: number; claimLinks?: boolean } = {},
    ): Promise<IssueResponse> => issueBulk(deps, p, org, credentialId, body, idempotencyKey, opts),
  };
}

export type IssueRequests = ReturnType<typeof issueRequests>;
