import { sql, type Kysely } from 'kysely';

/**
 * Organizations get a stable UUID beside their slug (Credly names organizations by UUID) and a
 * profile: a website and a picture, shown in the issuer authorization objects. The id is text,
 * not uuid: paths may name an org by slug or id, and comparing a slug to a uuid column would be a
 * cast error rather than "no such org".
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table orgs add column id text`.execute(db);
  await sql`update orgs set id = gen_random_uuid()::text where id is null`.execute(db);
  await sql`alter table orgs alter column id set not null`.execute(db);
  await sql`alter table orgs alter column id set default gen_random_uuid()::text`.execute(db);
  await sql`create unique index orgs_id on orgs (id)`.execute(db);
  await sql`alter table orgs add column url text`.execute(db);
  await sql`alter table orgs add column photo_url text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists orgs_id`.execute(db);
  await sql`alter table orgs drop column if exists photo_url`.execute(db);
  await sql`alter table orgs drop column if exists url`.execute(db);
  await sql`alter table orgs drop column if exists id`.execute(db);
}
