import { sql } from 'kysely';
import type { Db } from './database.js';

/** The change feed's rows: one per event, numbered by `seq` in commit-independent insertion order. */
export interface NewEvent {
  id: string;
  org: string;
  type: string;
  subject: string;
  data: unknown;
}

export interface StoredEvent extends NewEvent {
  seq: number;
  created_at: Date;
}

/** The change feed. */
export function eventRepository(db: Db) {
  return {
    /**
     * Must run inside the transaction of the change. `seq` is taken at insert, not at commit: the
     * transaction-scoped lock per org makes an org's events commit in `seq` order, so a feed reader
     * never moves its cursor past a `seq` that commits later (only the events' own insert and the
     * commit are serialized, not the change before them).
     */
    async insertEvents(events: NewEvent[]): Promise<StoredEvent[]> {
      if (events.length === 0) return [];
      for (const org of [...new Set(events.map((e) => e.org))].sort()) {
        await sql`select pg_advisory_xact_lock(hashtextextended(${`badgeworks-events:${org}`}, 0))`.execute(db);
      }
      const rows = await db
        .insertInto('events')
        .values(events.map((e) => ({ ...e, data: JSON.stringify(e.data) })))
        // Events with a natural id (a bulk's completion) are recorded once, however often their job runs.
        .onConflict((oc) => oc.column('id').doNothing())
        .returning(['seq', 'id', 'org', 'type', 'subject', 'data', 'created_at'])
        .execute();
      return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
    },

    /** A page of an org's events after `after` (exclusive), oldest first (see insertEvents for the order). */
    async listEvents(org: string, after: number, limit: number): Promise<StoredEvent[]> {
      const rows = await db
        .selectFrom('events')
        .select(['seq', 'id', 'org', 'type', 'subject', 'data', 'created_at'])
        .where('org', '=', org)
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
    },

    async getEventsBySeq(seqs: number[]): Promise<StoredEvent[]> {
      if (seqs.length === 0) return [];
      const rows = await db
        .selectFrom('events')
        .select(['seq', 'id', 'org', 'type', 'subject', 'data', 'created_at'])
        .where('seq', 'in', seqs)
        .execute();
      return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
    },

    /** Drops events past the retention window (their deliveries and attempts go with them). */
    async purgeEventsBefore(before: Date): Promise<number> {
      const r = await db.deleteFrom('events').where('created_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export type EventRepository = ReturnType<typeof eventRepository>;
