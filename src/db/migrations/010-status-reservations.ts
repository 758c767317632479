import { sql, type Kysely } from 'kysely';

/**
 * Status entries reserved by an issuing job (a single issue or one bulk chunk) until its
 * assertions hold them. A reservation is the holder's alone: concurrent chunks never pick the
 * same index (whose insert collisions made chunks wait for each other, and deadlock), and a
 * retried job takes back the entries it reserved instead of reserving new ones. The holder frees
 * what no assertion took when it finishes; the table holds only the work in flight.
 *
 * And the revoked entries of each list on their own (partial) index: the signed list is rebuilt
 * from them after every revocation, without reading the list's live entries.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('status_reservations')
    .addColumn('status_list_id', 'text', (c) => c.notNull().references('status_lists.id').onDelete('cascade'))
    .addColumn('status_list_index', 'integer', (c) => c.notNull())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('reserved_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('status_reservations_pk', ['status_list_id', 'status_list_index'])
    .execute();
  await db.schema.createIndex('status_reservations_holder').on('status_reservations').column('holder').execute();
  await sql`create index assertions_revoked_status on assertions (status_list_id, status_list_index)
            where revoked_at is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists assertions_revoked_status`.execute(db);
  await db.schema.dropTable('status_reservations').ifExists().execute();
}
