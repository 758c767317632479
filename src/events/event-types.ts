import type { StoredEvent } from '../db/event-repository.js';

/**
 * The events platforms are told of, by webhook and in the change feed. Bodies follow the
 * Standard Webhooks payload convention: `{id, type, timestamp, data}` (plus the org).
 */
export const EVENT_TYPES = [
  'assertion.issued',
  'assertion.revoked',
  'assertion.reissued',
  'bulk.completed',
  'render.completed',
  'render.failed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface RecipientData {
  user_id: string;
  email: string | null;
  name: string | null;
}

/** `assertion.issued` and `assertion.reissued` (the latter names the award it superseded). */
export interface AssertionIssuedData {
  assertion_id: string;
  credential_id: string;
  issuer_id: string;
  recipient: RecipientData;
  issued_on: string;
  expires: string | null;
  verification_url: string;
  /** The bulk job that issued it, when one did. */
  bulk_id: string | null;
  previous_assertion_id?: string;
}

export interface AssertionRevokedData {
  assertion_id: string;
  credential_id: string;
  recipient: RecipientData;
  revoked_at: string;
  revocation_reason: string | null;
}

export interface BulkCompletedData {
  bulk_id: string;
  credential_id: string;
  issued: number;
  skipped: number;
  failed: number;
}

export interface RenderData {
  assertion_id: string;
  files?: string[];
  reason?: string;
}

/** The body every consumer sees, identical in webhooks and the feed. */
export interface EventBody {
  id: string;
  type: EventType;
  timestamp: string;
  org: string;
  data: unknown;
}

export function eventBody(e: StoredEvent): EventBody {
  return {
    id: e.id,
    type: e.type as EventType,
    timestamp: e.created_at.toISOString(),
    org: e.org,
    data: e.data,
  };
}
