import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('issuer_authorizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('grantor_org', 'text', (c) => c.notNull().references('orgs.org').onDelete('cascade'))
    .addColumn('issuer_org', 'text', (c) => c.notNull().references('orgs.org').onDelete('cascade'))
    .addColumn('authorization_type', 'text', (c) => c.notNull().defaultTo('platform'))
    .addColumn('display_issuer_as', 'text', (c) => c.notNull().check(sql`display_issuer_as in ('grantor', 'issuer')`))
    .addColumn('restrict_by_badge_templates', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('allowed_badge_templates', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Deauthorizing keeps the row: assertions issued under it still name it.
    .addColumn('deleted_at', 'timestamptz')
    .addCheckConstraint('issuer_authorizations_not_self', sql`grantor_org <> issuer_org`)
    .execute();
  await sql`create unique index issuer_authorizations_active on issuer_authorizations (grantor_org, issuer_org) where deleted_at is null`.execute(
    db,
  );
  await sql`create index issuer_authorizations_issuer on issuer_authorizations (issuer_org) where deleted_at is null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('issuer_authorizations').ifExists().execute();
}
