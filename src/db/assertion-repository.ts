import type { Insertable, Selectable } from 'kysely';
import type { Db } from './database.js';
import type { AssertionsTable } from './schema.js';
import { assertionReadQueries } from './assertion-read-queries.js';
import { assertionWriteQueries } from './assertion-write-queries.js';
import { assertionListQuery } from './assertion-list-query.js';

export type { AssertionSummary } from './assertion-read-queries.js';
export type { AssertionListFilter } from './assertion-list-query.js';

/** The assertions table: issued credentials, their signed form and their revocation. */
export type AssertionRow = Selectable<AssertionsTable>;
export type NewAssertion = Insertable<AssertionsTable>;

export function assertionRepository(db: Db) {
  return {
    ...assertionWriteQueries(db),
    ...assertionReadQueries(db),
    ...assertionListQuery(db),
  };
}

export type AssertionRepository = ReturnType<typeof assertionRepository>;
