import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { sendEnvelope } from '../envelope.js';
import type { Runtime } from '../../runtime.js';
import { analyticsService } from '../../analytics/analytics-service.js';
import { analyticsRepository } from '../../db/analytics-repository.js';
import { timeRangeQuery } from '../../analytics/time-range.js';

const params = z.object({ org: z.string(), user_id: z.string() });
const responses = { 200: 'Ok', 400: 'Bad date range', 403: 'Not an admin' };

export function analyticsRoutes(rt: Runtime): RouteDef[] {
  const analytics = analyticsService(analyticsRepository(rt.db), rt.directory);
  return [
    defineRoute({
      method: 'get',
      path: '/api/credentials/orgs/{org}/users/{user_id}/assertions-over-time',
      summary: 'Assertions issued per day/week/month, zero-filled, in the org time zone',
      tag: 'analytics',
      auth: 'tenant',
      params,
      query: timeRangeQuery,
      responses,
      async handler({ params: p, query, principal, res }) {
        sendEnvelope(res, await analytics.assertionsOverTime(principal, p.org, query));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/credentials/orgs/{org}/users/{user_id}/credentials-over-time',
      summary: 'Credentials (badge classes) created per day/week/month, zero-filled',
      tag: 'analytics',
      auth: 'tenant',
      params,
      query: timeRangeQuery,
      responses,
      async handler({ params: p, query, principal, res }) {
        sendEnvelope(res, await analytics.credentialsOverTime(principal, p.org, query));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/credentials/orgs/{org}/users/{user_id}/course-assertions-over-time',
      summary: 'Assertions per course per day/week/month, one zero-filled series per course',
      tag: 'analytics',
      auth: 'tenant',
      params,
      query: timeRangeQuery,
      responses,
      async handler({ params: p, query, principal, res }) {
        sendEnvelope(res, await analytics.courseAssertionsOverTime(principal, p.org, query));
      },
    }),
  ];
}
