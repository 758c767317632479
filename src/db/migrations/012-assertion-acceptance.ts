import { sql, type Kysely } from 'kysely';

/**
 * The AssertionSerializer's `acceptance` (Unaccepted | Accepted | Rejected), stored per assertion.
 * Nothing sets it yet (recipients have no accept/reject route): every award reads "Unaccepted"
 * until one does, and the column is where that route will write.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('assertions')
    .addColumn('acceptance', 'text', (c) =>
      c
        .notNull()
        .defaultTo('Unaccepted')
        .check(sql`acceptance in ('Unaccepted', 'Accepted', 'Rejected')`),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('assertions').dropColumn('acceptance').execute();
}
