import type { Principal } from '../auth/principal.js';
import { MAIN_ORG } from '../auth/permissions.js';
import type { AnalyticsRepository, Scope, SeriesKind, SeriesPoint } from '../db/analytics-repository.js';
import type { DirectoryService } from '../directory/directory-service.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { buildMeta, metaSpans, type OverTimeMeta } from './over-time-meta.js';
import { resolveTimeRange, type OverTimeQuery } from './time-range.js';

/**
 * Issuance statistics of an org over time, in the reference's shape: `{data: {"YYYY-MM-DD": n},
 * total, meta}` (see over-time-meta.ts for meta). Platform admins see the whole org, or one
 * department with `department_id`; department admins the assertions of their departments' users
 * (or one of them); students none. `include_main_platform=false` leaves out awards of the main
 * platform's credentials issued in this org under an authorization (it changes nothing for the
 * main org itself, nor for credentials, which are always the org's own).
 */
export interface OverTimeAnswer {
  /** Bucket start (YYYY-MM-DD, org-local) → count, zero-filled, in date order. */
  data: Record<string, number>;
  total: number;
  meta: OverTimeMeta;
}

export interface CourseOverTimeAnswer extends OverTimeAnswer {
  /** Beside the reference's fields: the same series per course that has assertions in the range. */
  courses: { course: string; total: number; data: Record<string, number> }[];
}

const byDate = (points: SeriesPoint[]) => Object.fromEntries(points.map((p) => [p.date, p.count]));
const sum = (points: SeriesPoint[]) => points.reduce((n, p) => n + p.count, 0);

export function analyticsService(deps: { analyticsRepo: AnalyticsRepository; directory: DirectoryService }) {
  const { analyticsRepo: repo, directory } = deps;
  async function scopeFor(principal: Principal, org: string, q: OverTimeQuery, kind: SeriesKind): Promise<Scope> {
    const row = await directory.requireOrg(org);
    if (principal.role === 'student') throw new ForbiddenError('Only platform and department admins see analytics.');
    if (kind === 'credentials') {
      if (principal.role !== 'platform_admin') {
        throw new ForbiddenError('Only platform admins see credential analytics.');
      }
      if (q.department_id !== undefined) {
        const message = 'department_id filters assertions by their recipients; credentials have no department.';
        throw new ValidationError(message, {
          fieldErrors: { department_id: ['does not apply to credentials-over-time'] },
        });
      }
      return { org, timeZone: row.timezone };
    }
    const scope: Scope = { org, timeZone: row.timezone };
    if (q.include_main_platform === false && org !== MAIN_ORG) scope.excludeCredentialsOf = MAIN_ORG;
    const dep = q.department_id;
    if (principal.role === 'department_admin') {
      if (dep !== undefined && !principal.departments.includes(dep)) {
        throw new ForbiddenError(`You do not administer department "${dep}".`);
      }
      scope.departments = dep !== undefined ? [dep] : principal.departments;
    } else if (dep !== undefined) {
      if (!(await repo.departmentExists(org, dep))) {
        throw new NotFoundError(`Department "${dep}" does not exist in org "${org}".`);
      }
      scope.departments = [dep];
    }
    return scope;
  }

  async function overTime(kind: SeriesKind, principal: Principal, org: string, q: OverTimeQuery) {
    const scope = await scopeFor(principal, org, q, kind);
    const range = resolveTimeRange(q, scope.timeZone);
    const [points, spanTotals] = await Promise.all([
      repo.series(kind, scope, range),
      repo.spanTotals(kind, scope, metaSpans(range)),
    ]);
    return answerOf(points, spanTotals);
  }

  function answerOf(points: SeriesPoint[], spanTotals: number[]): OverTimeAnswer {
    const total = sum(points);
    return { data: byDate(points), total, meta: buildMeta(total, spanTotals) };
  }

  return {
    async assertionsOverTime(principal: Principal, org: string, q: OverTimeQuery): Promise<OverTimeAnswer> {
      return overTime('assertions', principal, org, q);
    },

    async credentialsOverTime(principal: Principal, org: string, q: OverTimeQuery): Promise<OverTimeAnswer> {
      return overTime('credentials', principal, org, q);
    },

    /** Assertions issued for a course (any course), plus the per-course breakdown. */
    async courseAssertionsOverTime(principal: Principal, org: string, q: OverTimeQuery): Promise<CourseOverTimeAnswer> {
      const scope = await scopeFor(principal, org, q, 'course-assertions');
      const range = resolveTimeRange(q, scope.timeZone);
      const [rows, spanTotals] = await Promise.all([
        repo.courseAssertionsOverTime(scope, range),
        repo.spanTotals('course-assertions', scope, metaSpans(range)),
      ]);
      const byCourse = new Map<string, SeriesPoint[]>();
      const perDate = new Map<string, number>();
      for (const r of rows) {
        (byCourse.get(r.course) ?? byCourse.set(r.course, []).get(r.course)!).push({ date: r.date, count: r.count });
        perDate.set(r.date, (perDate.get(r.date) ?? 0) + r.count);
      }
      // Each course has a row for every bucket, so the all-courses series is their sum per date;
      // with no course in the range it is the zero-filled series, which only the database has.
      const points = rows.length
        ? [...perDate].map(([date, count]) => ({ date, count }))
        : await repo.series('course-assertions', scope, range);
      const courses = [...byCourse].map(([course, pts]) => ({ course, total: sum(pts), data: byDate(pts) }));
      return { ...answerOf(points, spanTotals), courses };
    },
  };
}

export type AnalyticsService = ReturnType<typeof analyticsService>;
