import { sql } from 'kysely';
import type { Db } from './database.js';
import type { AssertionRow } from './assertion-repository.js';

/** Columns of list and detail views: everything except the large signed documents. */
export const VIEW_COLUMNS = [
  'id',
  'org',
  'credential_id',
  'issuer_id',
  'recipient_user_id',
  'recipient_email',
  'recipient_name',
  'salt',
  'issued_on',
  'expires_at',
  'narrative',
  'evidence',
  'course',
  'fields',
  'created_by',
  'job_id',
  'status_list_id',
  'status_list_index',
  'signing_key_id',
  'revoked_at',
  'revocation_reason',
  'revoked_by',
  'acceptance',
  'created_at',
] as const;

export type AssertionSummary = Omit<AssertionRow, 'credential_json' | 'credential_jwt' | 'superseded_at'>;

/** Single assertions and counts. */
export function assertionReadQueries(db: Db) {
  return {
    async getAssertionSummary(org: string, id: string): Promise<AssertionSummary | undefined> {
      return db
        .selectFrom('assertions')
        .select(VIEW_COLUMNS)
        .where('org', '=', org)
        .where('id', '=', id)
        .executeTakeFirst();
    },

    /** Any org: the public routes address assertions by their unguessable id alone. */
    async getAssertionById(id: string): Promise<AssertionRow | undefined> {
      return db.selectFrom('assertions').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async getAssertionSummaryById(id: string): Promise<AssertionSummary | undefined> {
      return db.selectFrom('assertions').select(VIEW_COLUMNS).where('id', '=', id).executeTakeFirst();
    },

    async isMemberOfDepartments(org: string, userId: string, departments: string[]): Promise<boolean> {
      if (departments.length === 0) return false;
      const row = await db
        .selectFrom('user_departments')
        .select('user_id')
        .where('org', '=', org)
        .where('user_id', '=', userId)
        .where('department_id', 'in', departments)
        .executeTakeFirst();
      return row !== undefined;
    },

    async countAssertions(filter: { credentialId: string; live?: boolean }): Promise<number> {
      let q = db
        .selectFrom('assertions')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('credential_id', '=', filter.credentialId);
      if (filter.live) q = q.where('revoked_at', 'is', null);
      return (await q.executeTakeFirstOrThrow()).n;
    },
  };
}
