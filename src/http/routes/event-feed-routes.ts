import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { sendEnvelope } from '../envelope.js';
import { NOTIFICATION_ANSWERS as A } from './notification-schemas.js';
import type { WebhookService } from '../../webhooks/webhook-service.js';
import { base, tag, tenantParams } from './notification-paths.js';

/** Issue 16: the change feed, for the org's platform admins (webhooks push the same events). */
export function eventFeedRoutes(webhooks: WebhookService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: `${base}/events`,
      summary: 'The change feed: events after a cursor, oldest first ({events: [{cursor, id, type, …}], next_cursor})',
      tag,
      auth: 'tenant',
      params: tenantParams,
      query: z.object({
        after: z.string().max(20).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      responses: { 200: A.feed, 400: 'Bad cursor', 403: 'Not a platform admin' },
      async handler({ params, query, principal, res }) {
        sendEnvelope(res, await webhooks.feed(principal, params.org, query));
      },
    }),
  ];
}
