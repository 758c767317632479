import { sql } from 'kysely';
import type { Db } from './database.js';

/** API tokens, stored by hash. */
export function tokenQueries(db: Db) {
  return {
    async insertToken(t: { id: string; org: string; user_id: string; token_hash: string }): Promise<void> {
      await db.insertInto('api_tokens').values(t).execute();
    },

    async findActiveToken(tokenHash: string) {
      return db
        .selectFrom('api_tokens')
        .select(['id', 'org', 'user_id'])
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
    },

    async getToken(id: string) {
      return db
        .selectFrom('api_tokens')
        .select(['id', 'org', 'user_id', 'revoked_at'])
        .where('id', '=', id)
        .executeTakeFirst();
    },

    async revokeToken(id: string): Promise<void> {
      await db
        .updateTable('api_tokens')
        .set({ revoked_at: sql`now()` })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
    },
  };
}
