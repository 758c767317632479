import type { EvidenceItem, FieldValue } from '../db/schema.js';

/**
 * The queues of the system and the jobs each carries. Producers and workers import names and
 * payload types from here only, so a job's shape is declared once.
 */
export const QUEUE_NAMES = {
  issuance: 'issuance',
  render: 'render',
  // Notifications (issue 16): payload types live in src/webhooks/webhook-job.ts and src/mail/mail-job.ts.
  webhooks: 'webhooks',
  mail: 'mail',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** Every job names its tenant and requester, so job status is scoped like everything else. */
export interface JobOwner {
  org: string;
  requestedBy: string;
}

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
  result: { assertionId: string; created: boolean } | { error: { status: number; message: string } };
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

/** The files rendered per assertion (src/rendering/render-service.ts). */
export type RenderFileName = 'certificate.pdf' | 'certificate.png' | 'badge.png' | 'badge.svg';

/**
 * Render the certificate PDF/PNG and baked badge of an assertion, at its credential's current
 * template version. `files` absent: the PDF and the badge (plus the PNG for a single issue).
 */
export interface RenderJob {
  name: 'render';
  data: JobOwner & { assertionId: string; files?: RenderFileName[] };
  result: unknown;
}

/**
 * BullMQ priorities (1 is the highest): a single issue is waited on by a person, a bulk is not;
 * a download waiting on its file is a person too; re-renders after a template change go last.
 */
export const RENDER_PRIORITY = { single: 1, bulk: 10, onDemand: 1, rerender: 20 } as const;

export type JobOf<Q extends QueueName> = Q extends 'issuance' ? IssuanceJob : RenderJob;
