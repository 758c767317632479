import { sql, type RawBuilder } from 'kysely';
import type { Db } from './database.js';
import type { TimeRange } from '../analytics/time-range.js';

/**
 * Zero-filled counts per bucket, computed in SQL: a generate_series of bucket starts in the org's
 * time zone, left-joined to grouped counts. Nothing is loaded into Node but the series itself.
 */
export interface SeriesPoint {
  date: string;
  count: number;
}

export interface Scope {
  org: string;
  timeZone: string;
  /** Department admins see assertions of the users of their departments only. */
  departments?: string[];
}

const STEP = { day: sql`interval '1 day'`, week: sql`interval '1 week'`, month: sql`interval '1 month'` };

function bounds(range: TimeRange, tz: string) {
  // Local midnight of the first day up to local midnight after the last day, as instants.
  return {
    from: sql`(${range.start}::date::timestamp at time zone ${tz})`,
    to: sql`((${range.end}::date + 1)::timestamp at time zone ${tz})`,
  };
}

function departmentFilter(scope: Scope, alias: string): RawBuilder<unknown> {
  if (!scope.departments) return sql`true`;
  if (scope.departments.length === 0) return sql`false`;
  return sql`exists (select 1 from user_departments ud where ud.org = ${scope.org} and ud.user_id = ${sql.ref(`${alias}.recipient_user_id`)} and ud.department_id in (${sql.join(scope.departments)}))`;
}

async function series(db: Db, range: TimeRange, counts: RawBuilder<unknown>): Promise<SeriesPoint[]> {
  const unit = sql.lit(range.interval);
  const { rows } = await sql<{ date: string; count: number }>`
    with buckets as (
      select generate_series(date_trunc(${unit}, ${range.start}::date::timestamp), ${range.end}::date::timestamp, ${STEP[range.interval]}) as bucket
    ), counts as (${counts})
    select to_char(b.bucket, 'YYYY-MM-DD') as date, coalesce(c.n, 0)::int as count
    from buckets b left join counts c on c.bucket = b.bucket
    order by b.bucket`.execute(db);
  return rows;
}

/**
 * Whole-org series read the daily roll-up (assertion_daily_counts: days already in the org's time
 * zone); department-scoped ones, and `fromRows` (the benchmark's baseline), count assertion rows.
 */
export interface SeriesOptions {
  fromRows?: boolean;
}

export function analyticsRepository(db: Db) {
  const useRollup = (scope: Scope, opts: SeriesOptions) => !scope.departments && !opts.fromRows;

  return {
    async assertionsOverTime(scope: Scope, range: TimeRange, opts: SeriesOptions = {}): Promise<SeriesPoint[]> {
      if (useRollup(scope, opts)) {
        return series(
          db,
          range,
          sql`select date_trunc(${sql.lit(range.interval)}, d.day::timestamp) as bucket, sum(d.n) as n
              from assertion_daily_counts d
              where d.org = ${scope.org} and d.day between ${range.start}::date and ${range.end}::date
              group by 1`,
        );
      }
      const { from, to } = bounds(range, scope.timeZone);
      const counts = sql`
        select date_trunc(${sql.lit(range.interval)}, a.issued_on at time zone ${scope.timeZone}) as bucket, count(*) as n
        from assertions a
        where a.org = ${scope.org} and a.issued_on >= ${from} and a.issued_on < ${to} and ${departmentFilter(scope, 'a')}
        group by 1`;
      return series(db, range, counts);
    },

    async credentialsOverTime(scope: Scope, range: TimeRange): Promise<SeriesPoint[]> {
      const { from, to } = bounds(range, scope.timeZone);
      const counts = sql`
        select date_trunc(${sql.lit(range.interval)}, c.created_at at time zone ${scope.timeZone}) as bucket, count(*) as n
        from credentials c
        where c.org = ${scope.org} and c.deleted_at is null and c.created_at >= ${from} and c.created_at < ${to}
        group by 1`;
      return series(db, range, counts);
    },

    /** One zero-filled series per course that has assertions in the range. */
    async courseAssertionsOverTime(
      scope: Scope,
      range: TimeRange,
      opts: SeriesOptions = {},
    ): Promise<{ course: string; date: string; count: number }[]> {
      const { from, to } = bounds(range, scope.timeZone);
      const unit = sql.lit(range.interval);
      const counts = useRollup(scope, opts)
        ? sql`select d.course, date_trunc(${unit}, d.day::timestamp) as bucket, sum(d.n) as n
              from assertion_daily_counts d
              where d.org = ${scope.org} and d.course <> '' and d.day between ${range.start}::date and ${range.end}::date
              group by 1, 2`
        : sql`select a.course, date_trunc(${unit}, a.issued_on at time zone ${scope.timeZone}) as bucket, count(*) as n
              from assertions a
              where a.org = ${scope.org} and a.course is not null and a.issued_on >= ${from} and a.issued_on < ${to} and ${departmentFilter(scope, 'a')}
              group by 1, 2`;
      const { rows } = await sql<{ course: string; date: string; count: number }>`
        with buckets as (
          select generate_series(date_trunc(${unit}, ${range.start}::date::timestamp), ${range.end}::date::timestamp, ${STEP[range.interval]}) as bucket
        ), counts as (${counts}), courses as (select distinct course from counts)
        select k.course, to_char(b.bucket, 'YYYY-MM-DD') as date, coalesce(c.n, 0)::int as count
        from courses k cross join buckets b
        left join counts c on c.course = k.course and c.bucket = b.bucket
        order by k.course, b.bucket`.execute(db);
      return rows;
    },
  };
}

export type AnalyticsRepository = ReturnType<typeof analyticsRepository>;
