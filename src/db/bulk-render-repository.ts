import { sql } from 'kysely';
import type { Db } from './database.js';
import type { BulkRenderOutcome } from './schema.js';

/** What a bulk's job status reports about the renders of the assertions it issued. */
export interface BulkRenderCounts {
  /** assertions the bulk issued so far (each has a render queued) */
  issued: number;
  rendered: number;
  failed_renders: number;
  /** revoked (or gone) before their render ran: nothing to store */
  skipped_renders: number;
}

/** Per-assertion render outcomes of bulks (migration 016). */
export function bulkRenderRepository(db: Db) {
  return {
    /** Rows for freshly queued renders; a retried chunk leaves the rows (and outcomes) it made. */
    async addPending(bulkId: string, assertionIds: string[]): Promise<void> {
      if (assertionIds.length === 0) return;
      // One array parameter, not two per row (issue 18: a chunk's 500 rows were 1,000 parameters).
      await sql`
        insert into bulk_renders (assertion_id, bulk_id)
        select unnest(${sql.val(assertionIds)}::text[]), ${bulkId}
        on conflict (assertion_id) do nothing`.execute(db);
    },

    /**
     * The latest outcome of an assertion's render; a no-op for assertions no bulk issued. An
     * update, not an increment: the same render settled twice (a retry, two workers) counts once.
     */
    async settle(assertionId: string, outcome: Exclude<BulkRenderOutcome, 'pending'>): Promise<void> {
      await db
        .updateTable('bulk_renders')
        .set({ outcome, updated_at: sql<Date>`now()` })
        .where('assertion_id', '=', assertionId)
        .where('outcome', '!=', outcome)
        .execute();
    },

    async counts(bulkId: string): Promise<BulkRenderCounts> {
      const rows = await db
        .selectFrom('bulk_renders')
        .select(['outcome', sql<number>`count(*)::int`.as('n')])
        .where('bulk_id', '=', bulkId)
        .groupBy('outcome')
        .execute();
      const n = (o: BulkRenderOutcome) => rows.find((r) => r.outcome === o)?.n ?? 0;
      return {
        issued: rows.reduce((sum, r) => sum + r.n, 0),
        rendered: n('rendered'),
        failed_renders: n('failed'),
        skipped_renders: n('skipped'),
      };
    },
  };
}

export type BulkRenderRepository = ReturnType<typeof bulkRenderRepository>;
