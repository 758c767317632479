import { sql } from 'kysely';
import type { Db } from './database.js';
import { newEntityId } from '../ids.js';

/** Assigning again updates the due date when one is given (null clears it) and keeps it otherwise. */
const dueDateOnConflict = (dueDate: string | null | undefined) => ({
  due_date: dueDate === undefined ? sql<string | null>`assignments.due_date` : dueDate,
});

/** Assigning credentials to users and groups, and taking assignments back. */
export function assignmentWriteQueries(db: Db) {
  return {
    async insertUserAssignments(
      org: string,
      credentialId: string,
      userIds: string[],
      dueDate: string | null | undefined,
      createdBy: string,
    ): Promise<void> {
      for (let i = 0; i < userIds.length; i += 1000) {
        await db
          .insertInto('assignments')
          .values(
            userIds.slice(i, i + 1000).map((user_id) => ({
              id: newEntityId(),
              org,
              credential_id: credentialId,
              user_id,
              due_date: dueDate ?? null,
              created_by: createdBy,
            })),
          )
          .onConflict((oc) =>
            oc
              .expression(sql`org, credential_id, user_id`)
              .where('user_id', 'is not', null)
              .doUpdateSet(dueDateOnConflict(dueDate)),
          )
          .execute();
      }
    },

    async insertGroupAssignment(
      org: string,
      credentialId: string,
      groupId: string,
      dueDate: string | null | undefined,
      createdBy: string,
    ): Promise<string> {
      const row = await db
        .insertInto('assignments')
        .values({
          id: newEntityId(),
          org,
          credential_id: credentialId,
          group_id: groupId,
          due_date: dueDate ?? null,
          created_by: createdBy,
        })
        .onConflict((oc) =>
          oc
            .expression(sql`org, credential_id, group_id`)
            .where('group_id', 'is not', null)
            .doUpdateSet(dueDateOnConflict(dueDate)),
        )
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },

    async get(org: string, id: string) {
      return db.selectFrom('assignments').selectAll().where('org', '=', org).where('id', '=', id).executeTakeFirst();
    },

    async delete(org: string, id: string): Promise<void> {
      await db.deleteFrom('assignments').where('org', '=', org).where('id', '=', id).execute();
    },
  };
}
