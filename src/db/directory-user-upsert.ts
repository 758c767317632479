import { sql } from 'kysely';
import type { Db } from './database.js';
import type { UserInput } from './directory-user-queries.js';
import { ConflictError } from '../errors.js';

/** Bulk writes of users with their department memberships. */
export function userUpsert(db: Db) {
  return {
    /**
     * Inserts or updates users and replaces their department memberships, in one transaction.
     * `keepAPlatformAdmin` rolls it back (ConflictError) if the org would be left without one.
     */
    async upsertUsers(org: string, users: UserInput[], opts: { keepAPlatformAdmin?: boolean } = {}): Promise<void> {
      if (users.length === 0) return;
      await db.transaction().execute(async (trx) => {
        // Locking the admins first serializes two requests that each demote one of the last two.
        if (opts.keepAPlatformAdmin) {
          await trx
            .selectFrom('users')
            .select('user_id')
            .where('org', '=', org)
            .where('role', '=', 'platform_admin')
            .forUpdate()
            .execute();
        }
        for (let i = 0; i < users.length; i += 1000) {
          const chunk = users.slice(i, i + 1000);
          await trx
            .insertInto('users')
            .values(
              chunk.map((u) => ({
                org,
                user_id: u.user_id,
                role: u.role,
                name: u.name ?? null,
                email: u.email ?? null,
              })),
            )
            .onConflict((oc) =>
              oc.columns(['org', 'user_id']).doUpdateSet((eb) => ({
                role: eb.ref('excluded.role'),
                name: sql`coalesce(excluded.name, users.name)`,
                email: sql`coalesce(excluded.email, users.email)`,
                updated_at: sql`now()`,
              })),
            )
            .execute();
        }
        if (opts.keepAPlatformAdmin) {
          const left = await trx
            .selectFrom('users')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('org', '=', org)
            .where('role', '=', 'platform_admin')
            .executeTakeFirstOrThrow();
          if (Number(left.n) === 0) {
            throw new ConflictError(`Org "${org}" must keep a platform admin: this change would demote its last one.`);
          }
        }
        const withDepartments = users.filter((u) => u.departments !== undefined);
        if (withDepartments.length === 0) return;
        const depIds = [...new Set(withDepartments.flatMap((u) => u.departments ?? []))];
        if (depIds.length > 0) {
          // A department named by a user exists from then on; its name can be set later.
          await trx
            .insertInto('departments')
            .values(depIds.map((d) => ({ org, department_id: d, name: d })))
            .onConflict((oc) => oc.columns(['org', 'department_id']).doNothing())
            .execute();
        }
        await trx
          .deleteFrom('user_departments')
          .where('org', '=', org)
          .where(
            'user_id',
            'in',
            withDepartments.map((u) => u.user_id),
          )
          .execute();
        const links = withDepartments.flatMap((u) =>
          [...new Set(u.departments ?? [])].map((d) => ({ org, user_id: u.user_id, department_id: d })),
        );
        for (let i = 0; i < links.length; i += 1000) {
          await trx
            .insertInto('user_departments')
            .values(links.slice(i, i + 1000))
            .execute();
        }
      });
    },
  };
}
