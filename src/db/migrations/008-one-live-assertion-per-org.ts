import { sql, type Kysely } from 'kysely';

/**
 * User ids are per org, and since issuer authorizations one credential is awarded in several orgs:
 * "one live assertion per recipient and credential" means per recipient *of an org*. 003 keyed it
 * on (credential, user id) alone, so org B's `s1` was taken to hold what org A's `s1` held.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists assertions_one_live`.execute(db);
  await sql`create unique index assertions_one_live on assertions (org, credential_id, recipient_user_id) where revoked_at is null`.execute(
    db,
  );
  await sql`drop index if exists assertions_credential_recipient`.execute(db);
  await sql`create index assertions_org_credential_recipient on assertions (org, credential_id, recipient_user_id)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists assertions_org_credential_recipient`.execute(db);
  await sql`create index assertions_credential_recipient on assertions (credential_id, recipient_user_id)`.execute(db);
  await sql`drop index if exists assertions_one_live`.execute(db);
  await sql`create unique index assertions_one_live on assertions (credential_id, recipient_user_id) where revoked_at is null`.execute(
    db,
  );
}
