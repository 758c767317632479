import { sql, type Kysely } from 'kysely';

/**
 * Notifications (issue 16): the change feed (`events`, also the outbox webhooks and mail are fed
 * from), webhook endpoints with their deliveries and attempts, per-assertion email status, and the
 * per-org mail settings (sender, reply-to, template). Events are written in the transaction of the
 * change they describe, so the feed never shows a change that did not happen nor misses one.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('seq', 'bigserial', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('events_org_seq').on('events').columns(['org', 'seq']).execute();
  await db.schema.createIndex('events_created_at').on('events').column('created_at').execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('events', 'jsonb', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_until', 'timestamptz')
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('disabled_reason', 'text')
    .addColumn('failure_streak', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('webhook_endpoints_org').on('webhook_endpoints').column('org').execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('event_seq', 'bigint', (c) => c.notNull().references('events.seq').onDelete('cascade'))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('webhook_deliveries_once', ['endpoint_id', 'event_seq'])
    .execute();
  // Ordering per subject: a delivery waits while an earlier one of its subject is pending.
  await sql`create index webhook_deliveries_pending on webhook_deliveries (endpoint_id, subject, event_seq)
            where status = 'pending'`.execute(db);
  // (endpoint_id, event_seq) is indexed by webhook_deliveries_once. event_seq alone is the cascade
  // from events: the retention purge would scan every delivery per purged event without it.
  await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').column('event_seq').execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
    .addColumn('status_code', 'integer')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('response', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('webhook_attempts_delivery').on('webhook_attempts').column('delivery_id').execute();

  await db.schema
    .createTable('notifications')
    .addColumn('assertion_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('notifications_pk', ['assertion_id', 'event'])
    .execute();

  // The mail sweep re-queues emails still queued after a while; it reads only those.
  await sql`create index notifications_queued on notifications (updated_at) where status = 'queued'`.execute(db);

  await db.schema
    .createTable('org_mail_settings')
    .addColumn('org', 'text', (c) => c.primaryKey())
    .addColumn('sender_name', 'text')
    .addColumn('reply_to', 'text')
    .addColumn('subject', 'text')
    .addColumn('html_template', 'text')
    .addColumn('text_template', 'text')
    .addColumn('notify_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('notify_on_revoke', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('attach_pdf', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'org_mail_settings',
    'notifications',
    'webhook_attempts',
    'webhook_deliveries',
    'webhook_endpoints',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
  await db.schema.dropTable('events').ifExists().execute();
}
