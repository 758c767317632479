import { sql, type Kysely } from 'kysely';

/**
 * An expired award must not stand in the way of the next one (a yearly re-certification, a retaken
 * course). Expiry depends on the clock, which a partial index cannot read, so issuing over an
 * expired assertion marks it superseded: it leaves "one live assertion per recipient" and stays
 * what it was for verifiers (Expired, its status bit untouched).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('assertions').addColumn('superseded_at', 'timestamptz').execute();
  await sql`drop index if exists assertions_one_live`.execute(db);
  await sql`create unique index assertions_one_live on assertions (org, credential_id, recipient_user_id) where revoked_at is null and superseded_at is null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists assertions_one_live`.execute(db);
  await sql`create unique index assertions_one_live on assertions (org, credential_id, recipient_user_id) where revoked_at is null`.execute(
    db,
  );
  await db.schema.alterTable('assertions').dropColumn('superseded_at').execute();
}
