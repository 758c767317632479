import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import type { Runtime } from '../../runtime.js';
import { overTimeQuery } from '../../analytics/time-range.js';

const params = z.object({ org: z.string(), user_id: z.string() });
const responses = {
  200: '{data: {"YYYY-MM-DD": n}, total, meta} (bare, no envelope)',
  400: 'Bad date, range or parameter',
  403: 'Not an admin (of that department)',
  404: 'Unknown org or department',
};

/**
 * The over-time analytics, bare as the reference answers them. Query: start_date, end_date (ISO
 * 8601), department_id, include_main_platform (default true), format=json, interval (day|week|month).
 */
export function analyticsRoutes(rt: Runtime): RouteDef[] {
  const { analytics } = rt.services;
  return [
    defineRoute({
      method: 'get',
      path: '/api/credentials/orgs/{org}/users/{user_id}/assertions-over-time',
      summary: 'Assertions issued per day (or week/month), zero-filled, in the org time zone, with change meta',
      tag: 'analytics',
      auth: 'tenant',
      params,
      query: overTimeQuery,
      responses,
      async handler({ params: p, query, principal, res }) {
        res.json(await analytics.assertionsOverTime(principal, p.org, query));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/credentials/orgs/{org}/users/{user_id}/credentials-over-time',
      summary: 'Credentials (badge classes) created per day (or week/month), zero-filled, with change meta',
      tag: 'analytics',
      auth: 'tenant',
      params,
      query: overTimeQuery,
      responses,
      async handler({ params: p, query, principal, res }) {
        res.json(await analytics.credentialsOverTime(principal, p.org, query));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/credentials/orgs/{org}/users/{user_id}/course-assertions-over-time',
      summary: 'Assertions issued for a course per day (or week/month), with change meta and a per-course breakdown',
      tag: 'analytics',
      auth: 'tenant',
      params,
      query: overTimeQuery,
      responses,
      async handler({ params: p, query, principal, res }) {
        res.json(await analytics.courseAssertionsOverTime(principal, p.org, query));
      },
    }),
  ];
}
