import { sql } from 'kysely';
import type { Db } from './database.js';
import type { DeliveryStatus } from './notification-schema.js';

/** Webhook endpoints, their deliveries (one per endpoint and event) and each delivery attempt. */
export interface EndpointRow {
  id: string;
  org: string;
  url: string;
  description: string | null;
  events: string[];
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | null;
  enabled: boolean;
  disabled_reason: string | null;
  failure_streak: number;
  created_at: Date;
  updated_at: Date;
}

export interface NewDelivery {
  id: string;
  org: string;
  endpoint_id: string;
  event_seq: number;
  subject: string;
}

export interface DeliveryRow {
  id: string;
  org: string;
  endpoint_id: string;
  event_seq: number;
  subject: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

const num = <T extends { event_seq: number }>(r: T): T => ({ ...r, event_seq: Number(r.event_seq) });

/** Endpoints an org registered, and their failure streaks. */
export function webhookEndpointQueries(db: Db) {
  return {
    async insertEndpoint(e: {
      id: string;
      org: string;
      url: string;
      description: string | null;
      events: string[];
      secret: string;
    }): Promise<EndpointRow> {
      return db
        .insertInto('webhook_endpoints')
        .values({ ...e, events: JSON.stringify(e.events) })
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    async getEndpoint(org: string, id: string): Promise<EndpointRow | undefined> {
      return db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('org', '=', org)
        .where('id', '=', id)
        .executeTakeFirst();
    },

    async listEndpoints(org: string): Promise<EndpointRow[]> {
      return db.selectFrom('webhook_endpoints').selectAll().where('org', '=', org).orderBy('created_at').execute();
    },

    async updateEndpoint(
      org: string,
      id: string,
      change: Partial<{
        url: string;
        description: string | null;
        events: string[];
        enabled: boolean;
        disabled_reason: string | null;
        failure_streak: number;
        secret: string;
        previous_secret: string | null;
        previous_secret_until: Date | null;
      }>,
    ): Promise<EndpointRow | undefined> {
      const { events, ...rest } = change;
      return db
        .updateTable('webhook_endpoints')
        .set({ ...rest, ...(events && { events: JSON.stringify(events) }), updated_at: sql`now()` })
        .where('org', '=', org)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
    },

    async deleteEndpoint(org: string, id: string): Promise<boolean> {
      const r = await db.deleteFrom('webhook_endpoints').where('org', '=', org).where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    /** Enabled endpoints of these orgs (an event fans out to those subscribed to its type). */
    async enabledEndpoints(orgs: string[]): Promise<EndpointRow[]> {
      if (orgs.length === 0) return [];
      return db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('org', 'in', orgs)
        .where('enabled', '=', true)
        .execute();
    },

    /**
     * One attempt's outcome on the endpoint's streak: a success resets it; a failure adds one and
     * disables the endpoint once the streak reaches `disableAfter`. Returns the endpoint's state.
     */
    async updateStreak(
      endpointId: string,
      ok: boolean,
      disableAfter: number,
    ): Promise<{ enabled: boolean } | undefined> {
      if (ok) {
        return db
          .updateTable('webhook_endpoints')
          .set({ failure_streak: 0 })
          .where('id', '=', endpointId)
          .returning('enabled')
          .executeTakeFirst();
      }
      return db
        .updateTable('webhook_endpoints')
        .set({
          failure_streak: sql`failure_streak + 1`,
          enabled: sql`enabled and failure_streak + 1 < ${disableAfter}`,
          disabled_reason: sql`case when enabled and failure_streak + 1 >= ${disableAfter}
            then ${`disabled after ${disableAfter} failed attempts in a row`} else disabled_reason end`,
          updated_at: sql`now()`,
        })
        .where('id', '=', endpointId)
        .returning('enabled')
        .executeTakeFirst();
    },
  };
}

/** Deliveries: one per endpoint and event. */
export function webhookDeliveryQueries(db: Db) {
  return {
    async insertDeliveries(rows: NewDelivery[]): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < rows.length; i += 500) {
        const r = await db
          .insertInto('webhook_deliveries')
          .values(rows.slice(i, i + 500))
          .onConflict((oc) => oc.doNothing())
          .returning('id')
          .execute();
        ids.push(...r.map((x) => x.id));
      }
      return ids;
    },

    async getDelivery(id: string): Promise<DeliveryRow | undefined> {
      const r = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
      return r && num(r);
    },

    async listDeliveries(
      org: string,
      endpointId: string,
      page: { limit: number; before?: number },
    ): Promise<DeliveryRow[]> {
      let q = db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('org', '=', org)
        .where('endpoint_id', '=', endpointId)
        .orderBy('event_seq', 'desc')
        .limit(page.limit);
      if (page.before !== undefined) q = q.where('event_seq', '<', page.before);
      return (await q.execute()).map(num);
    },

    /** Is an earlier delivery of the same subject to the same endpoint still pending? (Order per subject.) */
    async hasEarlierPending(d: DeliveryRow): Promise<boolean> {
      const r = await db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('endpoint_id', '=', d.endpoint_id)
        .where('subject', '=', d.subject)
        .where('status', '=', 'pending')
        .where('event_seq', '<', d.event_seq)
        .limit(1)
        .executeTakeFirst();
      return r !== undefined;
    },

    async setDeliveryStatus(id: string, status: DeliveryStatus, error?: string): Promise<void> {
      await db
        .updateTable('webhook_deliveries')
        .set({ status, ...(error !== undefined && { last_error: error }), updated_at: sql`now()` })
        .where('id', '=', id)
        .execute();
    },

    /** Pending deliveries older than `olderThanMs`: their job may have been lost; the sweep re-adds them. */
    async stalePendingDeliveries(olderThanMs: number, limit: number) {
      return db
        .selectFrom('webhook_deliveries')
        .select(['id', 'org'])
        .where('status', '=', 'pending')
        .where('updated_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
        .orderBy('event_seq')
        .limit(limit)
        .execute();
    },
  };
}

/** Each attempt of a delivery, and its outcome on the delivery. */
export function webhookAttemptQueries(db: Db) {
  return {
    async recordAttempt(
      deliveryId: string,
      a: { status_code: number | null; duration_ms: number; response: string | null; error: string | null },
      status: DeliveryStatus,
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('webhook_attempts')
          .values({ delivery_id: deliveryId, ...a })
          .execute();
        await trx
          .updateTable('webhook_deliveries')
          .set({
            status,
            attempts: sql`attempts + 1`,
            last_status_code: a.status_code,
            last_error: a.error,
            updated_at: sql`now()`,
          })
          .where('id', '=', deliveryId)
          .execute();
      });
    },

    async listAttempts(deliveryIds: string[]) {
      if (deliveryIds.length === 0) return [];
      return db
        .selectFrom('webhook_attempts')
        .select(['delivery_id', 'status_code', 'duration_ms', 'response', 'error', 'created_at'])
        .where('delivery_id', 'in', deliveryIds)
        .orderBy('id')
        .execute();
    },
  };
}

export function webhookRepository(db: Db) {
  return { ...webhookEndpointQueries(db), ...webhookDeliveryQueries(db), ...webhookAttemptQueries(db) };
}

export type WebhookRepository = ReturnType<typeof webhookRepository>;
