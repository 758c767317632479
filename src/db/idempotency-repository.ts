import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { IdempotencyKeysTable } from './schema.js';

/** Idempotency keys of issuing requests: per org, the request they were first used with and its job. */
export type IdempotencyRow = Selectable<IdempotencyKeysTable>;

export function idempotencyRepository(db: Db) {
  return {
    /** Records the key for this request, or returns the row of its first use. */
    async claimIdempotencyKey(row: {
      org: string;
      key: string;
      request_hash: string;
      job_id: string;
    }): Promise<{ row: IdempotencyRow; first: boolean }> {
      const inserted = await db
        .insertInto('idempotency_keys')
        .values(row)
        .onConflict((oc) => oc.columns(['org', 'key']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return { row: inserted, first: true };
      const existing = await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('org', '=', row.org)
        .where('key', '=', row.key)
        .executeTakeFirstOrThrow();
      return { row: existing, first: false };
    },

    async findIdempotencyKey(org: string, key: string): Promise<IdempotencyRow | undefined> {
      return db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('org', '=', org)
        .where('key', '=', key)
        .executeTakeFirst();
    },

    async setIdempotentAssertion(org: string, key: string, assertionId: string): Promise<void> {
      await db
        .updateTable('idempotency_keys')
        .set({ assertion_id: assertionId })
        .where('org', '=', org)
        .where('key', '=', key)
        .execute();
    },
  };
}

export type IdempotencyRepository = ReturnType<typeof idempotencyRepository>;
