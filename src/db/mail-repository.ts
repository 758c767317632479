import { sql } from 'kysely';
import type { Db } from './database.js';
import type { NotificationStatus } from './notification-schema.js';

/** Per-assertion email status (`notifications`) and per-org mail settings (`org_mail_settings`). */
export interface MailSettingsRow {
  org: string;
  sender_name: string | null;
  reply_to: string | null;
  subject: string | null;
  html_template: string | null;
  text_template: string | null;
  notify_default: boolean;
  notify_on_revoke: boolean;
  attach_pdf: boolean;
}

export interface NotificationRow {
  assertion_id: string;
  event: string;
  org: string;
  status: NotificationStatus;
  attempts: number;
  last_error: string | null;
  updated_at: Date;
}

/** An org's mail settings. */
export function mailSettingsQueries(db: Db) {
  return {
    async getMailSettings(org: string): Promise<MailSettingsRow | undefined> {
      return db
        .selectFrom('org_mail_settings')
        .select([
          'org',
          'sender_name',
          'reply_to',
          'subject',
          'html_template',
          'text_template',
          'notify_default',
          'notify_on_revoke',
          'attach_pdf',
        ])
        .where('org', '=', org)
        .executeTakeFirst();
    },

    async putMailSettings(row: MailSettingsRow): Promise<MailSettingsRow> {
      const { org, ...rest } = row;
      await db
        .insertInto('org_mail_settings')
        .values(row)
        .onConflict((oc) => oc.column('org').doUpdateSet({ ...rest, updated_at: sql`now()` }))
        .execute();
      return (await mailSettingsQueries(db).getMailSettings(org))!;
    },
  };
}

/** Per-assertion email status, and what one email needs. */
export function notificationQueries(db: Db) {
  return {
    /** Queued notifications; those already there (a retried job) are left as they are. Returns the new ones. */
    async insertNotifications(
      rows: { assertion_id: string; event: string; org: string }[],
    ): Promise<{ assertion_id: string; event: string; org: string }[]> {
      const out: { assertion_id: string; event: string; org: string }[] = [];
      for (let i = 0; i < rows.length; i += 500) {
        out.push(
          ...(await db
            .insertInto('notifications')
            .values(rows.slice(i, i + 500))
            .onConflict((oc) => oc.doNothing())
            .returning(['assertion_id', 'event', 'org'])
            .execute()),
        );
      }
      return out;
    },

    async getNotification(assertionId: string, event: string) {
      return db
        .selectFrom('notifications')
        .selectAll()
        .where('assertion_id', '=', assertionId)
        .where('event', '=', event)
        .executeTakeFirst() as Promise<NotificationRow | undefined>;
    },

    async listNotifications(assertionId: string): Promise<NotificationRow[]> {
      return db
        .selectFrom('notifications')
        .selectAll()
        .where('assertion_id', '=', assertionId)
        .orderBy('event')
        .execute() as Promise<NotificationRow[]>;
    },

    async setNotification(
      assertionId: string,
      event: string,
      change: { status: NotificationStatus; error?: string | null; attempted?: boolean },
    ): Promise<void> {
      await db
        .updateTable('notifications')
        .set({
          status: change.status,
          ...(change.error !== undefined && { last_error: change.error }),
          ...(change.attempted && { attempts: sql`attempts + 1` }),
          updated_at: sql`now()`,
        })
        .where('assertion_id', '=', assertionId)
        .where('event', '=', event)
        .execute();
    },

    async staleQueuedNotifications(olderThanMs: number, limit: number) {
      return db
        .selectFrom('notifications')
        .select(['assertion_id', 'event', 'org'])
        .where('status', '=', 'queued')
        .where('updated_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
        .limit(limit)
        .execute();
    },

    /** Everything one email needs, in one query: its notification, the assertion, credential, issuer, org settings. */
    async getMailTarget(assertionId: string, event: string) {
      return db
        .selectFrom('notifications as n')
        .innerJoin('assertions as a', 'a.id', 'n.assertion_id')
        .leftJoin('credentials as c', 'c.id', 'a.credential_id')
        .leftJoin('issuers as i', 'i.id', 'a.issuer_id')
        .leftJoin('org_mail_settings as s', 's.org', 'n.org')
        .select([
          'n.status',
          'a.id',
          'a.recipient_user_id',
          'a.recipient_email',
          'a.recipient_name',
          'a.issued_on',
          'a.expires_at',
          'a.revoked_at',
          'c.name as credential_name',
          'c.description as credential_description',
          'c.icon_image',
          'i.name as issuer_name',
          'i.url as issuer_url',
          'i.email as issuer_email',
          's.sender_name',
          's.reply_to',
          's.subject',
          's.html_template',
          's.text_template',
          's.attach_pdf',
          'a.org',
          'c.template_version',
        ])
        .where('n.assertion_id', '=', assertionId)
        .where('n.event', '=', event)
        .executeTakeFirst();
    },
  };
}

export function mailRepository(db: Db) {
  return { ...mailSettingsQueries(db), ...notificationQueries(db) };
}

export type MailRepository = ReturnType<typeof mailRepository>;
