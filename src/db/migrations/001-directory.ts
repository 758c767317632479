import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('orgs')
    .addColumn('org', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.org').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('email', 'text')
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('platform_admin', 'department_admin', 'student')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('users_pk', ['org', 'user_id'])
    .execute();
  await db.schema.createIndex('users_org_email').on('users').columns(['org', 'email']).execute();

  await db.schema
    .createTable('departments')
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.org').onDelete('cascade'))
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('departments_pk', ['org', 'department_id'])
    .execute();

  await db.schema
    .createTable('user_departments')
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_departments_pk', ['org', 'user_id', 'department_id'])
    .addForeignKeyConstraint('user_departments_user_fk', ['org', 'user_id'], 'users', ['org', 'user_id'], (c) =>
      c.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'user_departments_department_fk',
      ['org', 'department_id'],
      'departments',
      ['org', 'department_id'],
      (c) => c.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('groups')
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.org').onDelete('cascade'))
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text')
    .addPrimaryKeyConstraint('groups_pk', ['org', 'group_id'])
    .addForeignKeyConstraint('groups_department_fk', ['org', 'department_id'], 'departments', ['org', 'department_id'])
    .execute();

  await db.schema
    .createTable('group_members')
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('group_members_pk', ['org', 'group_id', 'user_id'])
    .addForeignKeyConstraint('group_members_group_fk', ['org', 'group_id'], 'groups', ['org', 'group_id'], (c) =>
      c.onDelete('cascade'),
    )
    .addForeignKeyConstraint('group_members_user_fk', ['org', 'user_id'], 'users', ['org', 'user_id'], (c) =>
      c.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addForeignKeyConstraint('api_tokens_user_fk', ['org', 'user_id'], 'users', ['org', 'user_id'], (c) =>
      c.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['api_tokens', 'group_members', 'groups', 'user_departments', 'departments', 'users', 'orgs']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
