import { sql, type Kysely } from 'kysely';

const now = sql`now()`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('issuers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.org').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('icon_image', 'text')
    .addColumn('email', 'text')
    .addColumn('url', 'text')
    .addColumn('allowed_template_tags', 'jsonb')
    .addColumn('signing_alg', 'text', (c) =>
      c
        .notNull()
        .defaultTo('ES256')
        .check(sql`signing_alg in ('ES256', 'RS256')`),
    )
    .addColumn('retired_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('issuers_org').on('issuers').columns(['org', 'name']).execute();

  await db.schema
    .createTable('issuer_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('issuer_id', 'text', (c) => c.notNull().references('issuers.id'))
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'jsonb', (c) => c.notNull())
    .addColumn('private_jwk_enc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('retired_at', 'timestamptz')
    .execute();
  // At most one active signing key per issuer.
  await sql`create unique index issuer_keys_one_active on issuer_keys (issuer_id) where retired_at is null`.execute(db);

  await db.schema
    .createTable('credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.org').onDelete('cascade'))
    .addColumn('issuer_id', 'text', (c) => c.notNull().references('issuers.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('credential_type', 'text')
    .addColumn('html_template', 'text')
    .addColumn('css_template', 'text')
    .addColumn('icon_image', 'text')
    .addColumn('background_image', 'text')
    .addColumn('thumbnail_image', 'text')
    .addColumn('criteria_url', 'text')
    .addColumn('criteria_text', 'text')
    .addColumn('issuing_signal', 'text')
    .addColumn('course', 'text')
    .addColumn('program', 'text')
    .addColumn('is_public', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('validity_days', 'integer')
    .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('alignment', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('skills', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('template_version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('credentials_org_created').on('credentials').columns(['org', 'created_at']).execute();
  await db.schema.createIndex('credentials_org_course').on('credentials').columns(['org', 'course']).execute();
  await db.schema.createIndex('credentials_org_signal').on('credentials').columns(['org', 'issuing_signal']).execute();

  await db.schema
    .createTable('signatories')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.org').onDelete('cascade'))
    .addColumn('issuer_id', 'text', (c) => c.references('issuers.id').onDelete('cascade'))
    .addColumn('credential_id', 'text', (c) => c.references('credentials.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('signatories_target', sql`issuer_id is not null or credential_id is not null`)
    .execute();

  await db.schema
    .createTable('images')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.org').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('file_key', 'text', (c) => c.notNull().unique())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('images_org_name').on('images').columns(['org', 'name']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['images', 'signatories', 'credentials', 'issuer_keys', 'issuers']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
