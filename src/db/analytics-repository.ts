import { sql, type RawBuilder } from 'kysely';
import type { Db } from './database.js';
import type { TimeRange } from '../analytics/time-range.js';

/**
 * Counts per org-local day, zero-filled into day/week/month buckets, computed in SQL: a
 * generate_series of bucket starts left-joined to grouped counts. Nothing is loaded into Node but
 * the series itself and a handful of window totals.
 */
export interface SeriesPoint {
  date: string;
  count: number;
}

export interface Scope {
  org: string;
  timeZone: string;
  /** Department admins (or a `department_id` filter): assertions of these departments' users only. */
  departments?: string[];
  /** Leaves out awards of this org's credentials (the main platform's, issued under an authorization). */
  excludeCredentialsOf?: string;
}

/** What is counted: assertions issued, assertions issued for a course, credentials created. */
export type SeriesKind = 'assertions' | 'course-assertions' | 'credentials';

/** A span of org-local days, both ends included. */
export interface DaySpan {
  start: string;
  end: string;
}

const STEP = { day: sql`interval '1 day'`, week: sql`interval '1 week'`, month: sql`interval '1 month'` };

function bounds(span: DaySpan, tz: string) {
  // Local midnight of the first day up to local midnight after the last day, as instants.
  return {
    from: sql`(${span.start}::date::timestamp at time zone ${tz})`,
    to: sql`((${span.end}::date + 1)::timestamp at time zone ${tz})`,
  };
}

function departmentFilter(scope: Scope, alias: string): RawBuilder<unknown> {
  if (!scope.departments) return sql`true`;
  if (scope.departments.length === 0) return sql`false`;
  return sql`exists (select 1 from user_departments ud where ud.org = ${scope.org}
    and ud.user_id = ${sql.ref(`${alias}.recipient_user_id`)}
    and ud.department_id in (${sql.join(scope.departments)}))`;
}

function mainPlatformFilter(scope: Scope, alias: string): RawBuilder<unknown> {
  if (scope.excludeCredentialsOf === undefined) return sql`true`;
  return sql`not exists (select 1 from credentials xc
    where xc.id = ${sql.ref(`${alias}.credential_id`)} and xc.org = ${scope.excludeCredentialsOf})`;
}

/**
 * Whole-org assertion counts read the daily roll-up (assertion_daily_counts, migration 007: days
 * already in the org's time zone); filtered ones, and `fromRows` (the benchmark's baseline and the
 * roll-up's check), count assertion rows.
 */
export interface SeriesOptions {
  fromRows?: boolean;
}

const useRollup = (scope: Scope, opts: SeriesOptions) =>
  !scope.departments && scope.excludeCredentialsOf === undefined && !opts.fromRows;

/** `(course, day, n)` rows of the kind for the span's local days; course is '' when none. */
function dailyCounts(kind: SeriesKind, scope: Scope, span: DaySpan, opts: SeriesOptions): RawBuilder<unknown> {
  const tz = scope.timeZone;
  const { from, to } = bounds(span, tz);
  if (kind === 'credentials') {
    return sql`
      select ''::text as course, (c.created_at at time zone ${tz})::date as day, count(*) as n
      from credentials c
      where c.org = ${scope.org} and c.deleted_at is null and c.created_at >= ${from} and c.created_at < ${to}
      group by 1, 2`;
  }
  const courseOnly = kind === 'course-assertions';
  if (useRollup(scope, opts)) {
    return sql`
      select d.course, d.day, d.n
      from assertion_daily_counts d
      where d.org = ${scope.org} and d.day between ${span.start}::date and ${span.end}::date
        ${courseOnly ? sql`and d.course <> ''` : sql``}`;
  }
  return sql`
    select coalesce(a.course, '') as course, (a.issued_on at time zone ${tz})::date as day, count(*) as n
    from assertions a
    where a.org = ${scope.org} and a.issued_on >= ${from} and a.issued_on < ${to}
      ${courseOnly ? sql`and coalesce(a.course, '') <> ''` : sql``}
      and ${departmentFilter(scope, 'a')} and ${mainPlatformFilter(scope, 'a')}
    group by 1, 2`;
}

function buckets(range: TimeRange): RawBuilder<unknown> {
  const unit = sql.lit(range.interval);
  const first = sql`date_trunc(${unit}, ${range.start}::date::timestamp)`;
  return sql`select generate_series(${first}, ${range.end}::date::timestamp, ${STEP[range.interval]}) as bucket`;
}

export function analyticsRepository(db: Db) {
  /** One zero-filled series of the kind over the range. */
  async function series(
    kind: SeriesKind,
    scope: Scope,
    range: TimeRange,
    opts: SeriesOptions = {},
  ): Promise<SeriesPoint[]> {
    const unit = sql.lit(range.interval);
    const { rows } = await sql<SeriesPoint>`
      with buckets as (${buckets(range)}),
      counts as (
        select date_trunc(${unit}, s.day::timestamp) as bucket, sum(s.n) as n
        from (${dailyCounts(kind, scope, range, opts)}) s group by 1
      )
      select to_char(b.bucket, 'YYYY-MM-DD') as date, coalesce(c.n, 0)::int as count
      from buckets b left join counts c on c.bucket = b.bucket
      order by b.bucket`.execute(db);
    return rows;
  }

  return {
    series,

    assertionsOverTime: (scope: Scope, range: TimeRange, opts: SeriesOptions = {}) =>
      series('assertions', scope, range, opts),

    credentialsOverTime: (scope: Scope, range: TimeRange) => series('credentials', scope, range),

    /** One zero-filled series per course that has assertions in the range. */
    async courseAssertionsOverTime(
      scope: Scope,
      range: TimeRange,
      opts: SeriesOptions = {},
    ): Promise<{ course: string; date: string; count: number }[]> {
      const unit = sql.lit(range.interval);
      const { rows } = await sql<{ course: string; date: string; count: number }>`
        with buckets as (${buckets(range)}),
        counts as (
          select s.course, date_trunc(${unit}, s.day::timestamp) as bucket, sum(s.n) as n
          from (${dailyCounts('course-assertions', scope, range, opts)}) s group by 1, 2
        ),
        courses as (select distinct course from counts)
        select k.course, to_char(b.bucket, 'YYYY-MM-DD') as date, coalesce(c.n, 0)::int as count
        from courses k cross join buckets b
        left join counts c on c.course = k.course and c.bucket = b.bucket
        order by k.course, b.bucket`.execute(db);
      return rows;
    },

    /** The total of the kind in each span, in one scan from the earliest start to the latest end. */
    async spanTotals(kind: SeriesKind, scope: Scope, spans: DaySpan[], opts: SeriesOptions = {}): Promise<number[]> {
      if (spans.length === 0) return [];
      const outer = {
        start: spans.map((s) => s.start).reduce((a, b) => (a < b ? a : b)),
        end: spans.map((s) => s.end).reduce((a, b) => (a > b ? a : b)),
      };
      const sums = spans.map((s, i) => {
        const within = sql`s.day between ${s.start}::date and ${s.end}::date`;
        return sql`coalesce(sum(s.n) filter (where ${within}), 0)::int as ${sql.ref(`t${i}`)}`;
      });
      const { rows } = await sql<Record<string, number>>`
        select ${sql.join(sums)} from (${dailyCounts(kind, scope, outer, opts)}) s`.execute(db);
      return spans.map((_s, i) => Number(rows[0]?.[`t${i}`] ?? 0));
    },

    async departmentExists(org: string, departmentId: string): Promise<boolean> {
      const row = await db
        .selectFrom('departments')
        .select('department_id')
        .where('org', '=', org)
        .where('department_id', '=', departmentId)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type AnalyticsRepository = ReturnType<typeof analyticsRepository>;
