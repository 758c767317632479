import { likePattern } from './like-pattern.js';
import { sql, type ExpressionBuilder } from 'kysely';
import type { Db } from './database.js';
import type { Database, Role } from './schema.js';

export interface UserRow {
  org: string;
  user_id: string;
  name: string | null;
  email: string | null;
  role: Role;
  departments: string[];
}

export interface UserInput {
  user_id: string;
  role: Role;
  name?: string | null;
  email?: string | null;
  departments?: string[];
}

/** A user's columns with their departments aggregated, for queries over `users as u`. */
const userColumns = (eb: ExpressionBuilder<Database & { u: Database['users'] }, 'u'>) => [
  'u.org' as const,
  'u.user_id' as const,
  'u.name' as const,
  'u.email' as const,
  'u.role' as const,
  eb
    .selectFrom('user_departments as d')
    .select(sql<string[]>`coalesce(array_agg(d.department_id order by d.department_id), '{}')`.as('deps'))
    .whereRef('d.org', '=', 'u.org')
    .whereRef('d.user_id', '=', 'u.user_id')
    .as('departments'),
];

/** Users of an org and their departments. */
export function userQueries(db: Db) {
  return {
    async getUser(org: string, userId: string): Promise<UserRow | undefined> {
      const row = await db
        .selectFrom('users as u')
        .select(userColumns)
        .where('u.org', '=', org)
        .where('u.user_id', '=', userId)
        .executeTakeFirst();
      return row ? { ...row, departments: row.departments ?? [] } : undefined;
    },

    async listUsers(
      org: string,
      page: { offset: number; limit: number; q?: string },
    ): Promise<{ count: number; rows: UserRow[] }> {
      let base = db.selectFrom('users as u').where('u.org', '=', org);
      if (page.q) {
        const like = likePattern(page.q);
        base = base.where((eb) =>
          eb.or([eb('u.user_id', 'ilike', like), eb('u.name', 'ilike', like), eb('u.email', 'ilike', like)]),
        );
      }
      const [{ n }, rows] = await Promise.all([
        base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
        base.select(userColumns).orderBy('u.user_id').offset(page.offset).limit(page.limit).execute(),
      ]);
      return { count: n, rows: rows.map((r) => ({ ...r, departments: r.departments ?? [] })) };
    },

    /** Users of the list that are not in any of the departments. */
    async usersOutsideDepartments(org: string, userIds: string[], departments: string[]): Promise<string[]> {
      if (userIds.length === 0) return [];
      const inside = new Set<string>();
      if (departments.length) {
        for (let i = 0; i < userIds.length; i += 5000) {
          const rows = await db
            .selectFrom('user_departments')
            .select('user_id')
            .distinct()
            .where('org', '=', org)
            .where('department_id', 'in', departments)
            .where('user_id', 'in', userIds.slice(i, i + 5000))
            .execute();
          for (const r of rows) inside.add(r.user_id);
        }
      }
      return userIds.filter((u) => !inside.has(u));
    },

    /** Which of these user ids are not users of the org. */
    async unknownUsers(org: string, userIds: string[]): Promise<string[]> {
      if (userIds.length === 0) return [];
      const known = new Set<string>();
      for (let i = 0; i < userIds.length; i += 5000) {
        const rows = await db
          .selectFrom('users')
          .select('user_id')
          .where('org', '=', org)
          .where('user_id', 'in', userIds.slice(i, i + 5000))
          .execute();
        for (const r of rows) known.add(r.user_id);
      }
      return userIds.filter((u) => !known.has(u));
    },

    async upsertDepartment(org: string, departmentId: string, name: string): Promise<void> {
      await db
        .insertInto('departments')
        .values({ org, department_id: departmentId, name })
        .onConflict((oc) => oc.columns(['org', 'department_id']).doUpdateSet({ name }))
        .execute();
    },
  };
}
