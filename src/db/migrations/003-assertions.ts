import { sql, type Kysely } from 'kysely';

const now = sql`now()`;

export async function up(db: Kysely<any>): Promise<void> {
  // W3C Bitstring Status Lists, one or more per issuer. Only the revoked bits are state; they are
  // derived from the assertions, so the row keeps allocation bookkeeping and the signed cache.
  await db.schema
    .createTable('status_lists')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.org').onDelete('cascade'))
    .addColumn('issuer_id', 'text', (c) => c.notNull().references('issuers.id'))
    .addColumn('purpose', 'text', (c) => c.notNull().defaultTo('revocation'))
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('capacity', 'integer', (c) => c.notNull())
    .addColumn('allocated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('signed_jwt', 'text')
    .addColumn('signed_version', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('status_lists_capacity', sql`capacity <= size`)
    .execute();
  await db.schema.createIndex('status_lists_issuer').on('status_lists').columns(['issuer_id', 'created_at']).execute();

  await db.schema
    .createTable('assertions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.org').onDelete('cascade'))
    .addColumn('credential_id', 'text', (c) => c.notNull().references('credentials.id'))
    .addColumn('issuer_id', 'text', (c) => c.notNull().references('issuers.id'))
    // No foreign key to users: an assertion outlives its recipient's directory entry.
    .addColumn('recipient_user_id', 'text', (c) => c.notNull())
    .addColumn('recipient_email', 'text')
    .addColumn('recipient_name', 'text')
    .addColumn('salt', 'text', (c) => c.notNull())
    .addColumn('issued_on', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('narrative', 'text')
    .addColumn('evidence', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('course', 'text')
    .addColumn('fields', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_by', 'text', (c) => c.notNull())
    // The issuing job (single) or bulk parent job: a retried job recognises its own rows.
    .addColumn('job_id', 'text')
    .addColumn('status_list_id', 'text', (c) => c.notNull().references('status_lists.id'))
    .addColumn('status_list_index', 'integer', (c) => c.notNull())
    .addColumn('signing_key_id', 'text', (c) => c.notNull())
    // json, not jsonb: kept byte for byte as signed (jsonb would reorder the keys).
    .addColumn('credential_json', 'json', (c) => c.notNull())
    .addColumn('credential_jwt', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revocation_reason', 'text')
    .addColumn('revoked_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('assertions_status_index', ['status_list_id', 'status_list_index'])
    .execute();
  // The database, not a check in code, guarantees one live assertion per recipient and credential:
  // retried jobs, repeated bulks and concurrent bulks all end in ON CONFLICT DO NOTHING here.
  await sql`create unique index assertions_one_live on assertions (credential_id, recipient_user_id) where revoked_at is null`.execute(
    db,
  );
  await db.schema
    .createIndex('assertions_org_credential')
    .on('assertions')
    .columns(['org', 'credential_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('assertions_org_recipient')
    .on('assertions')
    .columns(['org', 'recipient_user_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.org').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('assertion_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['org', 'key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['idempotency_keys', 'assertions', 'status_lists']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
