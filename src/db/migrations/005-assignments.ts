import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('assignments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.org').onDelete('cascade'))
    .addColumn('credential_id', 'text', (c) => c.notNull().references('credentials.id'))
    .addColumn('user_id', 'text')
    .addColumn('group_id', 'text')
    .addColumn('due_date', 'date')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('assignments_target', sql`(user_id is null) <> (group_id is null)`)
    .addForeignKeyConstraint('assignments_user_fk', ['org', 'user_id'], 'users', ['org', 'user_id'], (c) =>
      c.onDelete('cascade'),
    )
    .addForeignKeyConstraint('assignments_group_fk', ['org', 'group_id'], 'groups', ['org', 'group_id'], (c) =>
      c.onDelete('cascade'),
    )
    .execute();
  // Assigning the same credential to the same user or group twice is the same assignment.
  await sql`create unique index assignments_user_once on assignments (org, credential_id, user_id) where user_id is not null`.execute(
    db,
  );
  await sql`create unique index assignments_group_once on assignments (org, credential_id, group_id) where group_id is not null`.execute(
    db,
  );
  await sql`create index assignments_org_group on assignments (org, group_id) where group_id is not null`.execute(db);
  await sql`create index assertions_credential_recipient on assertions (credential_id, recipient_user_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists assertions_credential_recipient`.execute(db);
  await db.schema.dropTable('assignments').ifExists().execute();
}
