import type { Db } from './database.js';

/** Groups of users and their members. */
export function groupQueries(db: Db) {
  return {
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
  };
}
