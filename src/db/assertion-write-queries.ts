import { sql } from 'kysely';
import type { Db } from './database.js';
import { compareKeys } from './key-order.js';
import type { NewAssertion } from './assertion-repository.js';

// A whole bulk chunk (500 rows × 21 columns, far below the 65,535 bind parameters) in one statement.
const INSERT_BATCH = 500;

/** Issuing (the one-live-assertion rule) and revoking. */
export function assertionWriteQueries(db: Db) {
  return {
    /**
     * Inserts what the database accepts and returns the ids it stored. A row is refused when its
     * recipient already holds a live assertion of the credential, or (rarely, under concurrency) when
     * its status index was taken meanwhile: the caller tells the two apart.
     *
     * Rows go in the order of the one-live key (org, credential, recipient): a concurrent chunk
     * storing the same recipients waits for this one's rows in that same order, never in a cycle
     * (status indexes, the other unique key, are reserved to one chunk; see status-list-repository).
     */
    async insertAssertions(rows: NewAssertion[]): Promise<Set<string>> {
      const stored = new Set<string>();
      const ordered = [...rows].sort(
        (a, b) =>
          compareKeys(a.org, b.org) ||
          compareKeys(a.credential_id, b.credential_id) ||
          compareKeys(a.recipient_user_id, b.recipient_user_id),
      );
      for (let i = 0; i < ordered.length; i += INSERT_BATCH) {
        const inserted = await db
          .insertInto('assertions')
          .values(ordered.slice(i, i + INSERT_BATCH))
          .onConflict((oc) => oc.doNothing())
          .returning('id')
          .execute();
        for (const r of inserted) stored.add(r.id);
      }
      return stored;
    },

    /**
     * The assertions of a credential that hold the "one live assertion" place of any of `userIds`
     * (users of `org`): unrevoked and not superseded. `expired` ones give way to a new award.
     */
    async findLiveAssertions(
      org: string,
      credentialId: string,
      userIds: string[],
    ): Promise<{ id: string; recipient_user_id: string; job_id: string | null; expired: boolean }[]> {
      if (userIds.length === 0) return [];
      return db
        .selectFrom('assertions')
        .select(['id', 'recipient_user_id', 'job_id', sql<boolean>`coalesce(expires_at <= now(), false)`.as('expired')])
        .where('org', '=', org)
        .where('credential_id', '=', credentialId)
        .where('revoked_at', 'is', null)
        .where('superseded_at', 'is', null)
        .where('recipient_user_id', 'in', userIds)
        .execute();
    },

    /**
     * Marks the expired live assertions of `userIds` superseded, making room for their next award.
     * The rows are locked in recipient order first, as concurrent chunks may supersede the same ones.
     */
    async supersedeExpired(org: string, credentialId: string, userIds: string[]): Promise<void> {
      if (userIds.length === 0) return;
      await db
        .updateTable('assertions')
        .set({ superseded_at: sql`now()` })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('assertions')
            .select('id')
            .where('org', '=', org)
            .where('credential_id', '=', credentialId)
            .where('recipient_user_id', 'in', userIds)
            .where('revoked_at', 'is', null)
            .where('superseded_at', 'is', null)
            .where('expires_at', '<=', sql<Date>`now()`)
            .orderBy('recipient_user_id')
            .forUpdate(),
        )
        .where('superseded_at', 'is', null)
        .execute();
    },

    /** Marks a live assertion revoked; undefined when it was not live (unknown or already revoked). */
    async markRevoked(
      org: string,
      id: string,
      revocation: { reason: string; by: string },
    ): Promise<{ status_list_id: string } | undefined> {
      return db
        .updateTable('assertions')
        .set({ revoked_at: sql`now()`, revocation_reason: revocation.reason, revoked_by: revocation.by })
        .where('org', '=', org)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .returning('status_list_id')
        .executeTakeFirst();
    },
  };
}
