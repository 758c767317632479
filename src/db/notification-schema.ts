import type { ColumnType, Generated } from 'kysely';

/** The tables of migration 014 (events, webhooks, email notifications), as Kysely sees them. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface EventsTable {
  seq: ColumnType<number, never, never>;
  id: string;
  org: string;
  type: string;
  /** What the event is about (an assertion id, a bulk job id): webhooks keep order per subject. */
  subject: string;
  data: Json<unknown>;
  created_at: Timestamp;
}

export interface WebhookEndpointsTable {
  id: string;
  org: string;
  url: string;
  description: string | null;
  events: Json<string[]>;
  secret: string;
  /** After a rotation the old secret keeps signing (as a second signature) until this instant. */
  previous_secret: string | null;
  previous_secret_until: Date | null;
  enabled: Generated<boolean>;
  disabled_reason: string | null;
  failure_streak: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDeliveriesTable {
  id: string;
  org: string;
  endpoint_id: string;
  event_seq: number;
  subject: string;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  attempts: Generated<number>;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  status_code: number | null;
  duration_ms: number;
  response: string | null;
  error: string | null;
  created_at: Timestamp;
}

export type NotificationStatus = 'queued' | 'sent' | 'failed' | 'skipped';

export interface NotificationsTable {
  assertion_id: string;
  event: string;
  org: string;
  status: ColumnType<NotificationStatus, NotificationStatus | undefined, NotificationStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  updated_at: Timestamp;
}

export interface OrgMailSettingsTable {
  org: string;
  sender_name: string | null;
  reply_to: string | null;
  subject: string | null;
  html_template: string | null;
  text_template: string | null;
  notify_default: Generated<boolean>;
  notify_on_revoke: Generated<boolean>;
  attach_pdf: Generated<boolean>;
  updated_at: Timestamp;
}

export interface NotificationTables {
  events: EventsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  notifications: NotificationsTable;
  org_mail_settings: OrgMailSettingsTable;
}
