import type { Kysely } from 'kysely';

/**
 * Issuer proof settings (issue 14): an issuer may sign with Data Integrity alone, so an assertion
 * may have no VC-JWT; did:key issuers are found by their key when a credential is verified; and a
 * status list records the issuer id its credentials name (a DID or the profile URL), so that a
 * change of DID method or proof formats starts new lists and each list keeps the issuer its
 * credentials name (wallet verifiers require the two to match). Null: a list made before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('assertions')
    .alterColumn('credential_jwt', (c) => c.dropNotNull())
    .execute();
  await db.schema.alterTable('status_lists').addColumn('issuer_ref', 'text').execute();
  await db.schema
    .createIndex('issuer_did_keys_public_multibase')
    .on('issuer_did_keys')
    .column('public_multibase')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('issuer_did_keys_public_multibase').execute();
  await db.schema.alterTable('status_lists').dropColumn('issuer_ref').execute();
  await db.schema
    .alterTable('assertions')
    .alterColumn('credential_jwt', (c) => c.setNotNull())
    .execute();
}
