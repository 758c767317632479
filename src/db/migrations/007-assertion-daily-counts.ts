import { sql, type Kysely } from 'kysely';

/**
 * Issued assertions per org, course and local day (in the org's time zone), kept by a
 * statement-level trigger: one upsert per (org, course, day) per INSERT statement, so a bulk
 * chunk of 500 rows costs one row update. Analytics over long ranges read this instead of
 * counting every assertion. Revocation does not change it: the series count issuance.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('assertion_daily_counts')
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.org').onDelete('cascade'))
    .addColumn('course', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('assertion_daily_counts_pk', ['org', 'course', 'day'])
    .execute();
  await sql`
    create function assertion_daily_counts_add() returns trigger language plpgsql as $$
    begin
      insert into assertion_daily_counts (org, course, day, n)
      select a.org, coalesce(a.course, ''), (a.issued_on at time zone o.timezone)::date, count(*)
      from new_rows a join orgs o on o.org = a.org
      group by 1, 2, 3
      order by 1, 2, 3
      on conflict (org, course, day) do update set n = assertion_daily_counts.n + excluded.n;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger assertions_daily_counts after insert on assertions
    referencing new table as new_rows for each statement execute function assertion_daily_counts_add()`.execute(db);
  await sql`
    insert into assertion_daily_counts (org, course, day, n)
    select a.org, coalesce(a.course, ''), (a.issued_on at time zone o.timezone)::date, count(*)
    from assertions a join orgs o on o.org = a.org group by 1, 2, 3`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists assertions_daily_counts on assertions`.execute(db);
  await sql`drop function if exists assertion_daily_counts_add()`.execute(db);
  await db.schema.dropTable('assertion_daily_counts').ifExists().execute();
}
