import { randomInt } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { Db } from './database.js';
import { newEntityId } from '../ids.js';

export interface StatusEntry {
  listId: string;
  index: number;
}

export interface ReservationTarget {
  org: string;
  issuerId: string;
  /** The issuing job (its id): a retry of it is the same holder. */
  holder: string;
  /** The issuer id the credentials name (issue 14): entries come only from lists of that issuer id. */
  issuerRef: string;
  count: number;
  size: number;
  capacity: number;
}

/** Random picks per round before giving up: a list is at most `capacity` (3/4) taken, so a round rarely misses. */
const PICK_ROUNDS = 32;

/**
 * A reservation this old belongs to a job that gave up (its retries span a minute or so): its
 * entries go back. A retry after this (workers away for hours) simply reserves anew.
 */
const STALE_RESERVATION = '1 hour';

const issuerLock = (issuerId: string) => sql`select pg_advisory_xact_lock(hashtext(${`status-list:${issuerId}`}))`;

/** Allocating status list entries to issuing jobs. */
export function statusReservationQueries(db: Db) {
  return {
    /**
     * `count` status entries reserved for `holder`, each an index of a list of the issuer that no
     * assertion and no other holder has. A retry first gets back what the holder reserved before and
     * no assertion took, so retries do not use up list capacity. New entries come from the oldest
     * list with room (a new list when none has), at random indexes: a credential's index tells
     * nothing of its issuing order, and hides among the list's other entries.
     *
     * Reservations of one issuer are serialised by a transaction-scoped advisory lock: the chunks of
     * a bulk start together, and without it each would open a list of its own, and two could pick
     * the same free index.
     */
    async reserveStatusEntries(target: ReservationTarget): Promise<StatusEntry[]> {
      const { org, issuerId, holder, count, issuerRef } = target;
      return db.transaction().execute(async (trx) => {
        await issuerLock(issuerId).execute(trx);
        await freeReservations(
          trx,
          sql`reserved_at < now() - ${STALE_RESERVATION}::interval
              and status_list_id in (select id from status_lists where issuer_id = ${issuerId})`,
        );
        // The holder is at work again: its earlier reservations are not stale.
        await trx
          .updateTable('status_reservations')
          .set({ reserved_at: sql`now()` })
          .where('holder', '=', holder)
          .execute();
        const kept = await trx
          .selectFrom('status_reservations as r')
          .innerJoin('status_lists as s', 's.id', 'r.status_list_id')
          .select(['r.status_list_id as listId', 'r.status_list_index as index'])
          .where('r.holder', '=', holder)
          .where('s.issuer_id', '=', issuerId)
          .where('s.issuer_ref', '=', issuerRef)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('assertions as a')
                  .select('a.id')
                  .whereRef('a.status_list_id', '=', 'r.status_list_id')
                  .whereRef('a.status_list_index', '=', 'r.status_list_index'),
              ),
            ),
          )
          .orderBy('r.status_list_id')
          .orderBy('r.status_list_index')
          .execute();
        const need = count - kept.length;
        if (need <= 0) return kept.slice(0, count);

        const list =
          (await trx
            .updateTable('status_lists')
            .set({ allocated: sql`allocated + ${need}`, updated_at: sql`now()` })
            .where('id', '=', (eb) =>
              eb
                .selectFrom('status_lists')
                .select('id')
                .where('issuer_id', '=', issuerId)
                .where('issuer_ref', '=', issuerRef)
                .where(sql<boolean>`allocated + ${need} <= capacity`)
                .orderBy('created_at')
                .limit(1),
            )
            .returning(['id', 'size'])
            .executeTakeFirst()) ??
          (await trx
            .insertInto('status_lists')
            .values({
              id: newEntityId(),
              org,
              issuer_id: issuerId,
              issuer_ref: issuerRef,
              size: target.size,
              capacity: target.capacity,
              allocated: need,
            })
            .returning(['id', 'size'])
            .executeTakeFirstOrThrow());

        const picked = new Set<number>();
        for (let round = 0; picked.size < need && round < PICK_ROUNDS; round++) {
          const candidates = new Set<number>();
          while (candidates.size < (need - picked.size) * 2 + 16) {
            const i = randomInt(list.size);
            if (!picked.has(i)) candidates.add(i);
          }
          const taken = new Set(await takenIndexes(trx, list.id, [...candidates]));
          for (const c of candidates) {
            if (picked.size === need) break;
            if (!taken.has(c)) picked.add(c);
          }
        }
        if (picked.size < need) throw new Error(`Status list ${list.id}: no ${need} free entries found.`);
        const fresh = [...picked].sort((a, b) => a - b);
        // One array parameter, not three per entry (issue 18: a chunk's 500 entries were 1,500 parameters).
        await sql`
          insert into status_reservations (status_list_id, status_list_index, holder)
          select ${list.id}, unnest(${sql.val(fresh)}::int[]), ${holder}`.execute(trx);
        return [...kept, ...fresh.map((index) => ({ listId: list.id, index }))];
      });
    },

    /**
     * Ends the reservations of `holder` (its job is done): entries an assertion took stay taken,
     * the others go back to their list.
     */
    async releaseStatusEntries(issuerId: string, holder: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await issuerLock(issuerId).execute(trx);
        await freeReservations(trx, sql`holder = ${holder}`);
      });
    },
  };
}

/** Deletes the reservations `where` names; the lists take back those no assertion holds. */
async function freeReservations(db: Db, where: RawBuilder<unknown>): Promise<void> {
  await sql`
    with freed as (
      delete from status_reservations where ${where} returning status_list_id, status_list_index
    ), unused as (
      select f.status_list_id, count(*)::int as n from freed f
      where not exists (select 1 from assertions a
                        where a.status_list_id = f.status_list_id and a.status_list_index = f.status_list_index)
      group by f.status_list_id
    )
    update status_lists s set allocated = s.allocated - unused.n, updated_at = now()
    from unused where s.id = unused.status_list_id`.execute(db);
}

/** Which of `candidates` are taken in the list: by an assertion or a reservation (each found by its unique index). */
async function takenIndexes(db: Db, listId: string, candidates: number[]): Promise<number[]> {
  const any = sql<number>`any(${sql.val(candidates)}::int[])`;
  const rows = await db
    .selectFrom('assertions')
    .select('status_list_index')
    .where('status_list_id', '=', listId)
    .where('status_list_index', '=', any)
    .union(
      db
        .selectFrom('status_reservations')
        .select('status_list_index')
        .where('status_list_id', '=', listId)
        .where('status_list_index', '=', any),
    )
    .execute();
  return rows.map((r) => r.status_list_index);
}
