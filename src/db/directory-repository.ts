import { sql, type ExpressionBuilder } from 'kysely';
import type { Db } from './database.js';
import type { Database, Role } from './schema.js';
import { ConflictError } from '../errors.js';

/** Orgs, users, departments and API tokens: the directory table group. */
export interface OrgRow {
  org: string;
  /** Stable UUID beside the slug. */
  id: string;
  name: string;
  timezone: string;
  url: string | null;
  photo_url: string | null;
  created_at: Date;
}

/** The org profile fields an admin sets. */
export interface OrgProfile {
  name?: string;
  url?: string | null;
  photo_url?: string | null;
}

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

export function directoryRepository(db: Db) {
  return {
    async getOrg(org: string): Promise<OrgRow | undefined> {
      return db.selectFrom('orgs').selectAll().where('org', '=', org).executeTakeFirst();
    },

    /** By slug or by UUID; a slug that happens to equal another org's UUID wins. */
    async findOrg(ref: string): Promise<OrgRow | undefined> {
      return db
        .selectFrom('orgs')
        .selectAll()
        .where((eb) => eb.or([eb('org', '=', ref), eb('id', '=', ref)]))
        .orderBy(sql`org = ${ref}`, 'desc')
        .limit(1)
        .executeTakeFirst();
    },

    async updateOrg(org: string, patch: OrgProfile): Promise<OrgRow | undefined> {
      if (Object.keys(patch).length === 0) {
        return db.selectFrom('orgs').selectAll().where('org', '=', org).executeTakeFirst();
      }
      return db.updateTable('orgs').set(patch).where('org', '=', org).returningAll().executeTakeFirst();
    },

    async insertOrg(
      org: string,
      name: string,
      timezone?: string,
      profile: Omit<OrgProfile, 'name'> = {},
    ): Promise<OrgRow | undefined> {
      return db
        .insertInto('orgs')
        .values({
          org,
          name,
          ...(timezone ? { timezone } : {}),
          url: profile.url ?? null,
          photo_url: profile.photo_url ?? null,
        })
        .onConflict((oc) => oc.column('org').doNothing())
        .returningAll()
        .executeTakeFirst();
    },

    async countOrgs(): Promise<number> {
      const r = await db
        .selectFrom('orgs')
        .select(sql<number>`count(*)::int`.as('n'))
        .executeTakeFirstOrThrow();
      return r.n;
    },

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
        const like = `%${page.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
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

    async upsertDepartment(org: string, departmentId: string, name: string): Promise<void> {
      await db
        .insertInto('departments')
        .values({ org, department_id: departmentId, name })
        .onConflict((oc) => oc.columns(['org', 'department_id']).doUpdateSet({ name }))
        .execute();
    },

    async getGroup(org: string, groupId: string) {
      return db
        .selectFrom('groups')
        .selectAll()
        .where('org', '=', org)
        .where('group_id', '=', groupId)
        .executeTakeFirst();
    },

    async groupMembers(org: string, groupId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('group_members')
        .select('user_id')
        .where('org', '=', org)
        .where('group_id', '=', groupId)
        .orderBy('user_id')
        .execute();
      return rows.map((r) => r.user_id);
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

    /** Creates or updates a group; `members`, when given, replaces the membership. */
    async putGroup(
      org: string,
      g: { group_id: string; name: string; department_id: string | null; members?: string[] },
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        if (g.department_id) {
          await trx
            .insertInto('departments')
            .values({ org, department_id: g.department_id, name: g.department_id })
            .onConflict((oc) => oc.columns(['org', 'department_id']).doNothing())
            .execute();
        }
        await trx
          .insertInto('groups')
          .values({ org, group_id: g.group_id, name: g.name, department_id: g.department_id })
          .onConflict((oc) =>
            oc.columns(['org', 'group_id']).doUpdateSet({ name: g.name, department_id: g.department_id }),
          )
          .execute();
        if (g.members) {
          await trx.deleteFrom('group_members').where('org', '=', org).where('group_id', '=', g.group_id).execute();
          for (let i = 0; i < g.members.length; i += 1000) {
            await trx
              .insertInto('group_members')
              .values(g.members.slice(i, i + 1000).map((user_id) => ({ org, group_id: g.group_id, user_id })))
              .execute();
          }
        }
      });
    },

    async addGroupMembers(org: string, groupId: string, userIds: string[]): Promise<void> {
      for (let i = 0; i < userIds.length; i += 1000) {
        await db
          .insertInto('group_members')
          .values(userIds.slice(i, i + 1000).map((user_id) => ({ org, group_id: groupId, user_id })))
          .onConflict((oc) => oc.columns(['org', 'group_id', 'user_id']).doNothing())
          .execute();
      }
    },

    async removeGroupMembers(org: string, groupId: string, userIds: string[]): Promise<void> {
      if (userIds.length === 0) return;
      await db
        .deleteFrom('group_members')
        .where('org', '=', org)
        .where('group_id', '=', groupId)
        .where('user_id', 'in', userIds)
        .execute();
    },

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

export type DirectoryRepository = ReturnType<typeof directoryRepository>;
