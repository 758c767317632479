import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db } from './database.js';
import { compareKeys } from './key-order.js';
import type { AssertionsTable } from './schema.js';

/** The assertions table: issued credentials, their signed form and their revocation. */
export type AssertionRow = Selectable<AssertionsTable>;
export type NewAssertion = Insertable<AssertionsTable>;

/** Columns of list and detail views: everything except the large signed documents. */
const VIEW_COLUMNS = [
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

const INSERT_BATCH = 250;

export function assertionRepository(db: Db) {
  return {
    /**
     * Inserts what the database accepts and returns the ids it stored. A row is refused when its
     * recipient already holds a live assertion of the credential, or (rarely, under concurrency) when
     * its status index was taken meanwhile: the caller tells the two apart.
     *
     * Rows go in the order of the one-live key (org, credential, recipient): a concurrent chunk
     * storing the same recipients waits for this one's rows in that same order, never in a cycle
     * (status indexes, the other unique key, are reserved to one chunk; see status-list-repository).
     */
    async insertAssertions(rows: NewAssertion[]): Promise<Set<string>> {
      const stored = new Set<string>();
      const ordered = [...rows].sort(
        (a, b) =>
          compareKeys(a.org, b.org) ||
          compareKeys(a.credential_id, b.credential_id) ||
          compareKeys(a.recipient_user_id, b.recipient_user_id),
      );
      for (let i = 0; i < ordered.length; i += INSERT_BATCH) {
        const inserted = await db
          .insertInto('assertions')
          .values(ordered.slice(i, i + INSERT_BATCH))
          .onConflict((oc) => oc.doNothing())
          .returning('id')
          .execute();
        for (const r of inserted) stored.add(r.id);
      }
      return stored;
    },

    /**
     * The assertions of a credential that hold the "one live assertion" place of any of `userIds`
     * (users of `org`): unrevoked and not superseded. `expired` ones give way to a new award.
     */
    async findLiveAssertions(
      org: string,
      credentialId: string,
      userIds: string[],
    ): Promise<{ id: string; recipient_user_id: string; job_id: string | null; expired: boolean }[]> {
      if (userIds.length === 0) return [];
      return db
        .selectFrom('assertions')
        .select(['id', 'recipient_user_id', 'job_id', sql<boolean>`coalesce(expires_at <= now(), false)`.as('expired')])
        .where('org', '=', org)
        .where('credential_id', '=', credentialId)
        .where('revoked_at', 'is', null)
        .where('superseded_at', 'is', null)
        .where('recipient_user_id', 'in', userIds)
        .execute();
    },

    /**
     * Marks the expired live assertions of `userIds` superseded, making room for their next award.
     * The rows are locked in recipient order first, as concurrent chunks may supersede the same ones.
     */
    async supersedeExpired(org: string, credentialId: string, userIds: string[]): Promise<void> {
      if (userIds.length === 0) return;
      await db
        .updateTable('assertions')
        .set({ superseded_at: sql`now()` })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('assertions')
            .select('id')
            .where('org', '=', org)
            .where('credential_id', '=', credentialId)
            .where('recipient_user_id', 'in', userIds)
            .where('revoked_at', 'is', null)
            .where('superseded_at', 'is', null)
            .where('expires_at', '<=', sql<Date>`now()`)
            .orderBy('recipient_user_id')
            .forUpdate(),
        )
        .where('superseded_at', 'is', null)
        .execute();
    },

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

    /** Marks a live assertion revoked; undefined when it was not live (unknown or already revoked). */
    async markRevoked(
      org: string,
      id: string,
      revocation: { reason: string; by: string },
    ): Promise<{ status_list_id: string } | undefined> {
      return db
        .updateTable('assertions')
        .set({ revoked_at: sql`now()`, revocation_reason: revocation.reason, revoked_by: revocation.by })
        .where('org', '=', org)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .returning('status_list_id')
        .executeTakeFirst();
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

export type AssertionRepository = ReturnType<typeof assertionRepository>;

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
