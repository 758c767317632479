import { sql, type Kysely } from 'kysely';

/**
 * Wallet copy limits (security review of issue 15): a copy records whether a claim link picked it
 * up, so the copies a claim link may still issue are counted from the copies themselves (an
 * exchange row is housekeeping); and a copy by an issuer that signs Data Integrity only has no
 * VC-JWT. Copies made before are marked from their exchanges.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('wallet_copies')
    .addColumn('by_claim', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`update wallet_copies c set by_claim = true
    from wallet_exchanges x where x.id = c.exchange_id and x.created_by = 'claim'`.execute(db);
  await db.schema
    .alterTable('wallet_copies')
    .alterColumn('credential_jwt', (c) => c.dropNotNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('wallet_copies')
    .alterColumn('credential_jwt', (c) => c.setNotNull())
    .execute();
  await db.schema.alterTable('wallet_copies').dropColumn('by_claim').execute();
}
