import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from './database.js';

/**
 * Assignments of credentials to users and groups, read together with the assertion each user
 * holds (if any), so a dashboard sees progress. Group assignments are expanded through the
 * group's current members at read time: members who join later are covered.
 */
export type AssignmentStatus = 'issued' | 'not_issued' | 'revoked' | 'expired';

export interface UserAssignmentRow {
  id: string;
  credential_id: string;
  credential_name: string;
  credential_description: string;
  credential_image: string | null;
  user_id: string;
  group_id: string | null;
  due_date: string | null;
  created_at: Date;
  assertion_id: string | null;
  issued_on: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  revocation_reason: string | null;
}

export interface GroupAssignmentRow {
  id: string;
  credential_id: string;
  credential_name: string;
  group_id: string;
  group_name: string;
  department_id: string | null;
  due_date: string | null;
  created_at: Date;
  members: number;
  earned: number;
}

/** Who a listing covers: a whole org, the users of some departments, or one user. */
export type AssignmentScope = { org: string } & (
  { kind: 'org' } | { kind: 'departments'; departments: string[] } | { kind: 'user'; userId: string }
);

function userScope(scope: AssignmentScope, userCol: string): Expression<SqlBool> {
  if (scope.kind === 'org') return sql<SqlBool>`true`;
  if (scope.kind === 'user') return sql<SqlBool>`${sql.ref(userCol)} = ${scope.userId}`;
  if (scope.departments.length === 0) return sql<SqlBool>`false`;
  return sql<SqlBool>`exists (select 1 from user_departments ud where ud.org = ${scope.org} and ud.user_id = ${sql.ref(userCol)}
    and ud.department_id in (${sql.join(scope.departments)}))`;
}

function groupScope(scope: AssignmentScope): Expression<SqlBool> {
  if (scope.kind === 'org') return sql<SqlBool>`true`;
  if (scope.kind === 'user') {
    return sql<SqlBool>`exists (select 1 from group_members m where m.org = g.org and m.group_id = g.group_id and m.user_id = ${scope.userId})`;
  }
  if (scope.departments.length === 0) return sql<SqlBool>`false`;
  return sql<SqlBool>`g.department_id in (${sql.join(scope.departments)})`;
}

/** A deleted credential can no longer be earned: its assignments drop out of the lists. */
const LIVE_CREDENTIAL = sql<SqlBool>`exists (select 1 from credentials lc where lc.id = a.credential_id and lc.deleted_at is null)`;

/** Assignments listed with the progress of the users they cover. */
export function assignmentProgressQueries(db: Db) {
  return {
    async listUserAssignments(
      scope: AssignmentScope,
      page: { offset: number; limit: number; credentialId?: string; userIds?: string[] },
    ): Promise<{ count: number; rows: UserAssignmentRow[] }> {
      const base = sql`
        with e as (
          select a.id, a.org, a.credential_id, a.group_id, to_char(a.due_date, 'YYYY-MM-DD') as due_date, a.created_at,
                 coalesce(a.user_id, m.user_id) as coalesce_user
          from assignments a
          left join group_members m on a.group_id is not null and m.org = a.org and m.group_id = a.group_id
          where a.org = ${scope.org} and ${LIVE_CREDENTIAL}
            ${page.credentialId ? sql`and a.credential_id = ${page.credentialId}` : sql``}
        ), visible as (
          -- A user assigned directly and through a group sees one row: the direct one.
          select distinct on (credential_id, coalesce_user) * from e
          where coalesce_user is not null and ${userScope(scope, 'coalesce_user')}
            ${page.userIds ? sql`and coalesce_user in (${sql.join(page.userIds)})` : sql``}
          order by credential_id, coalesce_user, (group_id is not null), created_at
        )`;
      const [{ rows: countRows }, { rows }] = await Promise.all([
        sql<{ n: number }>`${base} select count(*)::int as n from visible`.execute(db),
        sql<UserAssignmentRow>`${base}
          select v.id, v.credential_id, c.name as credential_name, c.description as credential_description,
                 c.icon_image as credential_image, v.coalesce_user as user_id, v.group_id, v.due_date, v.created_at,
                 s.id as assertion_id, s.issued_on, s.expires_at, s.revoked_at, s.revocation_reason
          from visible v
          join credentials c on c.id = v.credential_id
          left join lateral (
            select x.id, x.issued_on, x.expires_at, x.revoked_at, x.revocation_reason from assertions x
            where x.org = v.org and x.credential_id = v.credential_id and x.recipient_user_id = v.coalesce_user
            order by (x.revoked_at is null) desc, x.issued_on desc limit 1
          ) s on true
          order by v.created_at desc, v.id, v.coalesce_user
          offset ${page.offset} limit ${page.limit}`.execute(db),
      ]);
      return { count: countRows[0]?.n ?? 0, rows };
    },

    async listGroupAssignments(
      scope: AssignmentScope,
      page: { offset: number; limit: number; id?: string },
    ): Promise<{ count: number; rows: GroupAssignmentRow[] }> {
      const where = sql`a.org = ${scope.org} and a.group_id is not null and ${LIVE_CREDENTIAL} and ${groupScope(scope)} ${page.id ? sql`and a.id = ${page.id}` : sql``}`;
      const [{ rows: countRows }, { rows }] = await Promise.all([
        sql<{
          n: number;
        }>`select count(*)::int as n from assignments a join groups g on g.org = a.org and g.group_id = a.group_id where ${where}`.execute(
          db,
        ),
        sql<GroupAssignmentRow>`
          select a.id, a.credential_id, c.name as credential_name, a.group_id, g.name as group_name, g.department_id,
                 to_char(a.due_date, 'YYYY-MM-DD') as due_date, a.created_at,
                 (select count(*)::int from group_members m where m.org = a.org and m.group_id = a.group_id) as members,
                 (select count(*)::int from group_members m where m.org = a.org and m.group_id = a.group_id
                    and exists (select 1 from assertions x where x.org = a.org and x.credential_id = a.credential_id and x.recipient_user_id = m.user_id
                                and x.revoked_at is null and (x.expires_at is null or x.expires_at > now()))) as earned
          from assignments a
          join groups g on g.org = a.org and g.group_id = a.group_id
          join credentials c on c.id = a.credential_id
          where ${where}
          order by a.created_at desc, a.id
          offset ${page.offset} limit ${page.limit}`.execute(db),
      ]);
      return { count: countRows[0]?.n ?? 0, rows };
    },
  };
}
