import { sql, type Kysely } from 'kysely';

/**
 * Render progress of bulks (issue 17): one row per assertion a bulk issued, written when its
 * render is queued (`pending`) and settled by the render worker (`rendered`, `failed`,
 * `skipped`). Keyed by assertion, so a retried chunk or render job rewrites its own row and
 * never counts twice, whichever worker ran it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('bulk_renders')
    .addColumn('assertion_id', 'text', (c) => c.primaryKey())
    .addColumn('bulk_id', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`outcome in ('pending', 'rendered', 'failed', 'skipped')`),
    )
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('bulk_renders_bulk').on('bulk_renders').columns(['bulk_id', 'outcome']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('bulk_renders').execute();
}
