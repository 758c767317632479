import { sql, type Kysely } from 'kysely';

/**
 * "Add to wallet" (issue 15): VC-API exchanges, kept in the database so any API replica answers
 * any step of one, and the copies issued through them to holder DIDs (one per completed exchange).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('wallet_exchanges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('assertion_id', 'text', (c) => c.notNull().references('assertions.id').onDelete('cascade'))
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('challenge', 'text', (c) => c.notNull())
    // pending: created; requested: the VPR was handed out; complete: a credential was issued.
    .addColumn('state', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`state in ('pending', 'requested', 'complete')`),
    )
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('holder_did', 'text')
    .addColumn('completed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('wallet_exchanges_assertion').on('wallet_exchanges').column('assertion_id').execute();
  await db.schema.createIndex('wallet_exchanges_expires').on('wallet_exchanges').column('expires_at').execute();
  await db.schema
    .createTable('wallet_copies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('assertion_id', 'text', (c) => c.notNull().references('assertions.id').onDelete('cascade'))
    // One copy per exchange: the unique key is what makes an exchange single use.
    .addColumn('exchange_id', 'text', (c) => c.notNull().unique())
    .addColumn('holder_did', 'text', (c) => c.notNull())
    .addColumn('credential_json', 'jsonb', (c) => c.notNull())
    .addColumn('credential_jwt', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('wallet_copies_assertion').on('wallet_copies').column('assertion_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('wallet_copies').execute();
  await db.schema.dropTable('wallet_exchanges').execute();
}
