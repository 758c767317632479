import type { Kysely } from 'kysely';

/**
 * Issuer proof settings (issue 14): an issuer may sign with Data Integrity alone, so an assertion
 * may have no VC-JWT; and did:key issuers are found by their key when a credential is verified.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('assertions')
    .alterColumn('credential_jwt', (c) => c.dropNotNull())
    .execute();
  await db.schema
    .createIndex('issuer_did_keys_public_multibase')
    .on('issuer_did_keys')
    .column('public_multibase')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('issuer_did_keys_public_multibase').execute();
  await db.schema
    .alterTable('assertions')
    .alterColumn('credential_jwt', (c) => c.setNotNull())
    .execute();
}
