import type { Principal } from '../auth/principal.js';
import type { AnalyticsRepository, Scope, SeriesPoint } from '../db/analytics-repository.js';
import type { DirectoryService } from '../directory/directory-service.js';
import { ForbiddenError } from '../errors.js';
import { resolveTimeRange, type timeRangeQuery } from './time-range.js';
import type { z } from 'zod';

/**
 * Issuance statistics of an org over time. Platform admins see the whole org; department admins
 * the assertions of their departments' users; students none.
 */
export interface Series {
  total: number;
  data: SeriesPoint[];
}

export function analyticsService(repo: AnalyticsRepository, directory: DirectoryService) {
  async function scopeFor(principal: Principal, org: string): Promise<Scope> {
    const row = await directory.requireOrg(org);
    if (principal.role === 'platform_admin') return { org, timeZone: row.timezone };
    if (principal.role === 'department_admin') return { org, timeZone: row.timezone, departments: principal.departments };
    throw new ForbiddenError('Only platform and department admins see analytics.');
  }
  const total = (data: SeriesPoint[]) => data.reduce((n, p) => n + p.count, 0);

  return {
    async assertionsOverTime(principal: Principal, org: string, query: z.infer<typeof timeRangeQuery>): Promise<Series> {
      const scope = await scopeFor(principal, org);
      const data = await repo.assertionsOverTime(scope, resolveTimeRange(query, scope.timeZone));
      return { total: total(data), data };
    },

    async credentialsOverTime(principal: Principal, org: string, query: z.infer<typeof timeRangeQuery>): Promise<Series> {
      const scope = await scopeFor(principal, org);
      if (scope.departments) throw new ForbiddenError('Only platform admins see credential analytics.');
      const data = await repo.credentialsOverTime(scope, resolveTimeRange(query, scope.timeZone));
      return { total: total(data), data };
    },

    async courseAssertionsOverTime(principal: Principal, org: string, query: z.infer<typeof timeRangeQuery>) {
      const scope = await scopeFor(principal, org);
      const rows = await repo.courseAssertionsOverTime(scope, resolveTimeRange(query, scope.timeZone));
      const byCourse = new Map<string, SeriesPoint[]>();
      for (const r of rows) (byCourse.get(r.course) ?? byCourse.set(r.course, []).get(r.course)!).push({ date: r.date, count: r.count });
      const data = [...byCourse].map(([course, points]) => ({ course, total: total(points), data: points }));
      return { total: data.reduce((n, c) => n + c.total, 0), data };
    },
  };
}

export type AnalyticsService = ReturnType<typeof analyticsService>;
