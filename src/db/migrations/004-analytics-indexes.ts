import { sql, type Kysely } from 'kysely';

/** The over-time queries scan by org and issue time (and course); these keep them index-only-ish. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index assertions_org_issued on assertions (org, issued_on)`.execute(db);
  await sql`create index assertions_org_course_issued on assertions (org, course, issued_on)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists assertions_org_course_issued`.execute(db);
  await sql`drop index if exists assertions_org_issued`.execute(db);
}
