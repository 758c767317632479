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

    /** The org's tokens, newest first; never their hashes. */
    async listTokens(org: string, opts: { userId?: string; includeRevoked: boolean }) {
      let q = db
        .selectFrom('api_tokens')
        .select(['id', 'org', 'user_id', 'created_at', 'last_used_at', 'revoked_at'])
        .where('org', '=', org);
      if (opts.userId !== undefined) q = q.where('user_id', '=', opts.userId);
      if (!opts.includeRevoked) q = q.where('revoked_at', 'is', null);
      return q.orderBy('created_at', 'desc').orderBy('id').limit(1000).execute();
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
