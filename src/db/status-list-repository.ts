import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { StatusListsTable } from './schema.js';
import { statusReservationQueries } from './status-reservation-queries.js';
import { statusBitQueries } from './status-bit-queries.js';

export type { ReservationTarget, StatusEntry } from './status-reservation-queries.js';

/** The status_lists table: per-issuer Bitstring Status Lists, their allocation and signed cache. */
export type StatusListRow = Selectable<StatusListsTable>;

export function statusListRepository(db: Db) {
  return { ...statusReservationQueries(db), ...statusBitQueries(db) };
}

export type StatusListRepository = ReturnType<typeof statusListRepository>;
