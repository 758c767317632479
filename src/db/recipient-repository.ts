import { sql } from 'kysely';
import type { Db } from './database.js';
import { compareKeys } from './key-order.js';

/**
 * Directory reads and writes that issuance needs in batches: look recipients up by id or email,
 * and add unknown recipients as students. Kept apart from the directory repository because its
 * upsert overwrites roles, while a recipient joining must never change an existing user.
 */
export interface RecipientUser {
  user_id: string;
  email: string | null;
  name: string | null;
}

export function recipientRepository(db: Db) {
  return {
    async findUsersById(org: string, userIds: string[]): Promise<Map<string, RecipientUser>> {
      const out = new Map<string, RecipientUser>();
      for (let i = 0; i < userIds.length; i += 1000) {
        const rows = await db
          .selectFrom('users')
          .select(['user_id', 'email', 'name'])
          .where('org', '=', org)
          .where('user_id', 'in', userIds.slice(i, i + 1000))
          .execute();
        for (const r of rows) out.set(r.user_id, r);
      }
      return out;
    },

    /** By normalised (trimmed, lower-cased) email; when several users share one, the first by id wins. */
    async findUsersByEmail(org: string, emails: string[]): Promise<Map<string, RecipientUser>> {
      const out = new Map<string, RecipientUser>();
      for (let i = 0; i < emails.length; i += 1000) {
        const rows = await db
          .selectFrom('users')
          .select(['user_id', 'email', 'name', sql<string>`lower(trim(email))`.as('normalized')])
          .where('org', '=', org)
          .where(sql`lower(trim(email))`, 'in', emails.slice(i, i + 1000))
          .orderBy('user_id')
          .execute();
        for (const { normalized, ...user } of rows) if (!out.has(normalized)) out.set(normalized, user);
      }
      return out;
    },

    /**
     * Adds recipients as students; users that exist meanwhile are left untouched. In user id order:
     * concurrent bulks adding the same new recipients then wait for each other's rows in one order,
     * where lists in their own orders made PostgreSQL find lock cycles (deadlocks) between them.
     */
    async insertRecipientUsers(org: string, users: { user_id: string; email: string; name?: string }[]): Promise<void> {
      const ordered = [...users].sort((a, b) => compareKeys(a.user_id, b.user_id));
      for (let i = 0; i < ordered.length; i += 1000) {
        await db
          .insertInto('users')
          .values(
            ordered.slice(i, i + 1000).map((u) => ({
              org,
              user_id: u.user_id,
              email: u.email,
              name: u.name ?? null,
              role: 'student' as const,
            })),
          )
          .onConflict((oc) => oc.columns(['org', 'user_id']).doNothing())
          .execute();
      }
    },
  };
}

export type RecipientRepository = ReturnType<typeof recipientRepository>;
