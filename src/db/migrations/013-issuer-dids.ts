import { sql, type Kysely } from 'kysely';

/**
 * Issuer DIDs and Data Integrity proofs (issue 14): each issuer's DID method and proof formats,
 * its Ed25519 key (created on first use, so existing issuers need no backfill), and the Data
 * Integrity form of each status list, cached per list version like the JWT form.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('issuers')
    .addColumn('did_method', 'text', (c) =>
      c
        .notNull()
        .defaultTo('web')
        .check(sql`did_method in ('web', 'key')`),
    )
    .addColumn('proof_formats', 'jsonb', (c) => c.notNull().defaultTo(sql`'["data-integrity", "vc-jwt"]'::jsonb`))
    .execute();
  await db.schema
    .createTable('issuer_did_keys')
    .addColumn('issuer_id', 'text', (c) => c.primaryKey().references('issuers.id').onDelete('cascade'))
    .addColumn('public_multibase', 'text', (c) => c.notNull())
    .addColumn('secret_enc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .alterTable('status_lists')
    .addColumn('signed_di', 'text')
    .addColumn('signed_di_version', 'integer')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('status_lists').dropColumn('signed_di').dropColumn('signed_di_version').execute();
  await db.schema.dropTable('issuer_did_keys').execute();
  await db.schema.alterTable('issuers').dropColumn('did_method').dropColumn('proof_formats').execute();
}
