import type { EvidenceItem, FieldValue } from '../db/schema.js';
import type { JobOwner } from '../queue/queues.js';
import type { JobError } from '../queue/job-error.js';

/** The jobs of the issuance queue: producers (the API) and the issuance worker share these shapes. */
/** A do-nothing job that proves a worker is alive end to end. */
export interface PingJob {
  name: 'ping';
  data: JobOwner & { message: string; delayMs?: number };
  result: { pong: string; worker: number };
}

/** What an issuing request says about the award, besides its recipient. */
export interface AwardDetails {
  evidence?: EvidenceItem[];
  narrative?: string;
  course?: string;
  /** ISO 8601 date-time; when absent the credential's validity_days decide. */
  expires?: string;
  fields?: Record<string, FieldValue>;
  /** Email the recipient (issue 16); absent: the org's default. */
  notify?: boolean;
}

/** A recipient already resolved against the directory (the API did that). */
export interface ResolvedRecipient {
  userId: string;
  email?: string;
  name?: string;
  /** Per-recipient template fields, merged over the award's. */
  fields?: Record<string, FieldValue>;
}

/** Issue one assertion. */
export interface IssueJob {
  name: 'issue';
  data: JobOwner & { credentialId: string; recipient: ResolvedRecipient; award: AwardDetails; idempotencyKey?: string };
  /** A refusal (e.g. the credential was deleted meanwhile) completes the job with `error`: retrying would not help. */
  result: { assertionId: string; created: boolean } | { error: JobError };
}

/** One entry of a bulk request as given: a bare username, or a recipient object. */
export interface BulkEntry {
  /** How the entry is named in the result: the user id, else the email. */
  label: string;
  userId?: string;
  email?: string;
  name?: string;
  fields?: Record<string, FieldValue>;
  /** Bare usernames must be known; recipient objects join the directory when unknown. */
  kind: 'username' | 'object';
}

export interface BulkResult {
  issued: string[];
  skipped: string[];
  failed: { user: string; reason: string }[];
}

/** Parent of a bulk: runs once all its chunks are done and merges their results. */
export interface BulkJob {
  name: 'bulk';
  data: JobOwner & {
    credentialId: string;
    total: number;
    chunkSize: number;
    chunks: number;
    /** Entries refused before queueing (no id and no email, bad email). */
    rejected: BulkResult['failed'];
    /** The request asked for claim links (issue 15): its job status adds them once finished. */
    claimLinks?: boolean;
  };
  result: BulkResult;
}

export interface BulkChunkJob {
  name: 'bulk-chunk';
  data: JobOwner & {
    credentialId: string;
    bulkId: string;
    chunkIndex: number;
    chunkSize: number;
    total: number;
    entries: BulkEntry[];
    award: AwardDetails;
  };
  result: BulkResult;
}

export type IssuanceJob = PingJob | IssueJob | BulkJob | BulkChunkJob;
