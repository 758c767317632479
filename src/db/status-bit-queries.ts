import { sql } from 'kysely';
import type { Db } from './database.js';
import type { StatusListRow } from './status-list-repository.js';

/** Status list indexes are int4 in the database; a larger one names no entry. */
const MAX_INDEX = 2 ** 31 - 1;

/** The bits of status lists and their signed, cached forms. */
export function statusBitQueries(db: Db) {
  return {
    async getStatusList(id: string): Promise<StatusListRow | undefined> {
      return db.selectFrom('status_lists').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /**
     * The bit at `index` of a list (set exactly when the assertion holding that index is revoked), or
     * undefined for an unknown list. One row through the (list, index) unique index, whatever the
     * list's size: a verification must not cost more on a big list.
     */
    async statusBit(listId: string, index: number): Promise<boolean | undefined> {
      const inRange = Number.isInteger(index) && index >= 0 && index <= MAX_INDEX;
      const row = await db
        .selectFrom('status_lists as s')
        .select((eb) =>
          eb
            .exists(
              eb
                .selectFrom('assertions as a')
                .select('a.id')
                .whereRef('a.status_list_id', '=', 's.id')
                .where('a.status_list_index', '=', inRange ? index : -1)
                .where('a.revoked_at', 'is not', null),
            )
            .as('revoked'),
        )
        .where('s.id', '=', listId)
        .executeTakeFirst();
      return row ? Boolean(row.revoked) : undefined;
    },

    /** Indexes whose bit is set: the revoked assertions of the list (the partial index of 010 holds just these). */
    async revokedStatusIndexes(listId: string): Promise<number[]> {
      const rows = await db
        .selectFrom('assertions')
        .select('status_list_index')
        .where('status_list_id', '=', listId)
        .where('revoked_at', 'is not', null)
        .execute();
      return rows.map((r) => r.status_list_index);
    },

    /** A bit flipped: the cached signed list no longer matches. */
    async bumpStatusListVersion(listId: string): Promise<void> {
      await db
        .updateTable('status_lists')
        .set({ version: sql`version + 1`, signed_jwt: null, signed_version: null, updated_at: sql`now()` })
        .where('id', '=', listId)
        .execute();
    },

    /** Caches a signed list for `version`, unless a newer flip happened meanwhile. */
    async storeSignedStatusList(listId: string, version: number, jwt: string): Promise<void> {
      await db
        .updateTable('status_lists')
        .set({ signed_jwt: jwt, signed_version: version })
        .where('id', '=', listId)
        .where('version', '=', version)
        .execute();
    },

    /** The Data Integrity form of the list, kept for the version it was built from (like the JWT). */
    async storeSignedDataIntegrityList(listId: string, version: number, json: string): Promise<void> {
      await db
        .updateTable('status_lists')
        .set({ signed_di: json, signed_di_version: version })
        .where('id', '=', listId)
        .where('version', '=', version)
        .execute();
    },
  };
}
