import { sql, type Selectable } from 'kysely';
import type { Db } from './database.js';
import type { StatusListsTable } from './schema.js';
import { newEntityId } from '../ids.js';

/** The status_lists table: per-issuer Bitstring Status Lists, their allocation and signed cache. */
export type StatusListRow = Selectable<StatusListsTable>;

/**
 * Reserves `count` entries in an open list of the issuer (one with room left), opening a new list
 * when none has room. Reservations of one issuer are serialised by a transaction-scoped advisory
 * lock: the chunks of a bulk start together, and without it each would open a list of its own,
 * leaving every list with a small crowd to hide a credential in.
 */
export async function reserveStatusEntries(
  db: Db,
  target: { org: string; issuerId: string; count: number; size: number; capacity: number },
): Promise<{ id: string; size: number }> {
  const { org, issuerId, count } = target;
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`status-list:${issuerId}`}))`.execute(trx);
    const reserved = await trx
      .updateTable('status_lists')
      .set({ allocated: sql`allocated + ${count}`, updated_at: sql`now()` })
      .where('id', '=', (eb) =>
        eb
          .selectFrom('status_lists')
          .select('id')
          .where('issuer_id', '=', issuerId)
          .where(sql<boolean>`allocated + ${count} <= capacity`)
          .orderBy('created_at')
          .limit(1),
      )
      .returning(['id', 'size'])
      .executeTakeFirst();
    if (reserved) return reserved;
    return trx
      .insertInto('status_lists')
      .values({ id: newEntityId(), org, issuer_id: issuerId, size: target.size, capacity: target.capacity, allocated: count })
      .returning(['id', 'size'])
      .executeTakeFirstOrThrow();
  });
}

/** Which of `candidates` are already taken in the list (the unique index answers this cheaply). */
export async function takenStatusIndexes(db: Db, listId: string, candidates: number[]): Promise<number[]> {
  if (candidates.length === 0) return [];
  const rows = await db
    .selectFrom('assertions')
    .select('status_list_index')
    .where('status_list_id', '=', listId)
    .where('status_list_index', '=', sql<number>`any(${sql.val(candidates)}::int[])`)
    .execute();
  return rows.map((r) => r.status_list_index);
}

export async function getStatusList(db: Db, id: string): Promise<StatusListRow | undefined> {
  return db.selectFrom('status_lists').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Indexes whose bit is set: the revoked assertions of the list. */
export async function revokedStatusIndexes(db: Db, listId: string): Promise<number[]> {
  const rows = await db
    .selectFrom('assertions')
    .select('status_list_index')
    .where('status_list_id', '=', listId)
    .where('revoked_at', 'is not', null)
    .execute();
  return rows.map((r) => r.status_list_index);
}

/** A bit flipped: the cached signed list no longer matches. */
export async function bumpStatusListVersion(db: Db, listId: string): Promise<void> {
  await db
    .updateTable('status_lists')
    .set({ version: sql`version + 1`, signed_jwt: null, signed_version: null, updated_at: sql`now()` })
    .where('id', '=', listId)
    .execute();
}

/** Caches a signed list for `version`, unless a newer flip happened meanwhile. */
export async function storeSignedStatusList(db: Db, listId: string, version: number, jwt: string): Promise<void> {
  await db
    .updateTable('status_lists')
    .set({ signed_jwt: jwt, signed_version: version })
    .where('id', '=', listId)
    .where('version', '=', version)
    .execute();
}
