import { sql } from 'kysely';
import type { Db } from './database.js';
import { VIEW_COLUMNS, type AssertionSummary } from './assertion-read-queries.js';

export interface AssertionListFilter {
  credentialId?: string;
  /** With credentialId: every org's assertions of it, for the org that owns the credential. */
  allOrgs?: boolean;
  recipientUserId?: string;
  /** Department admins see the assertions of their departments' members only. */
  departments?: string[];
  course?: string;
  includeRevoked: boolean;
  includeExpired: boolean;
  /** Leaves out awards of this org's credentials (the main tenant's, issued under an authorization). */
  excludeCredentialsOf?: string;
}

/** Pages of assertions under the filters of the API and of department admins. */
export function assertionListQuery(db: Db) {
  return {
    async listAssertions(
      org: string,
      filter: AssertionListFilter,
      page: { limit: number; offset: number },
    ): Promise<{ count: number; rows: AssertionSummary[] }> {
      // The owner of a credential sees its assertions whichever org issued them (authorizations).
      let base = filter.allOrgs
        ? db.selectFrom('assertions as a')
        : db.selectFrom('assertions as a').where('a.org', '=', org);
      if (filter.credentialId !== undefined) base = base.where('a.credential_id', '=', filter.credentialId);
      if (filter.recipientUserId !== undefined) base = base.where('a.recipient_user_id', '=', filter.recipientUserId);
      if (!filter.includeRevoked) base = base.where('a.revoked_at', 'is', null);
      if (!filter.includeExpired)
        base = base.where((eb) => eb.or([eb('a.expires_at', 'is', null), eb('a.expires_at', '>', sql<Date>`now()`)]));
      if (filter.excludeCredentialsOf !== undefined) {
        const owner = filter.excludeCredentialsOf;
        base = base.where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('credentials as xc')
                .select('xc.id')
                .whereRef('xc.id', '=', 'a.credential_id')
                .where('xc.org', '=', owner),
            ),
          ),
        );
      }
      if (filter.course !== undefined) {
        const course = filter.course;
        // The award's own course, else the course its credential belongs to.
        base = base.where((eb) =>
          eb.or([
            eb('a.course', '=', course),
            eb.and([
              eb('a.course', 'is', null),
              eb.exists(
                eb
                  .selectFrom('credentials as c')
                  .select('c.id')
                  .whereRef('c.id', '=', 'a.credential_id')
                  .where('c.course', '=', course),
              ),
            ]),
          ]),
        );
      }
      if (filter.departments !== undefined) {
        const departments = filter.departments;
        base =
          departments.length === 0
            ? base.where(sql<boolean>`false`)
            : base
                .where('a.org', '=', org)
                .where((eb) =>
                  eb.exists(
                    eb
                      .selectFrom('user_departments as d')
                      .select('d.user_id')
                      .whereRef('d.org', '=', 'a.org')
                      .whereRef('d.user_id', '=', 'a.recipient_user_id')
                      .where('d.department_id', 'in', departments),
                  ),
                );
      }
      const [{ n }, rows] = await Promise.all([
        base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
        base
          .select(VIEW_COLUMNS.map((c) => `a.${c}` as const))
          .orderBy('a.created_at', 'desc')
          .orderBy('a.id')
          .limit(page.limit)
          .offset(page.offset)
          .execute(),
      ]);
      return { count: n, rows };
    },
  };
}
