import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { sendEnvelope } from '../envelope.js';
import { NOTIFICATION_ANSWERS as A } from './notification-schemas.js';
import type { WebhookService } from '../../webhooks/webhook-service.js';
import { EVENT_TYPES } from '../../events/event-types.js';
import { base, tag, tenantParams } from './notification-paths.js';

const endpointParams = tenantParams.extend({ webhook_id: z.string().min(1).max(100) });
const eventList = z
  .array(z.enum([...EVENT_TYPES, '*']))
  .min(1)
  .max(EVENT_TYPES.length + 1);
const webhookUrl = z.url().max(2000);

/** Issue 16: webhook endpoints of an org and their deliveries, for the org's platform admins. */
export function webhookRoutes(webhooks: WebhookService): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: `${base}/webhooks`,
      summary: 'Create a webhook endpoint (the answer shows its signing secret, once)',
      tag,
      auth: 'tenant',
      params: tenantParams,
      body: z.object({ url: webhookUrl, events: eventList.optional(), description: z.string().max(500).optional() }),
      responses: { 201: A.endpoint('Created'), 400: 'Invalid or refused URL', 403: 'Not a platform admin' },
      async handler({ params, body, principal, res }) {
        sendEnvelope(res, await webhooks.create(principal, params.org, body), 'Created');
      },
    }),
    defineRoute({
      method: 'get',
      path: `${base}/webhooks`,
      summary: 'List the webhook endpoints of the org',
      tag,
      auth: 'tenant',
      params: tenantParams,
      responses: { 200: A.endpoints, 403: 'Not a platform admin' },
      async handler({ params, principal, res }) {
        sendEnvelope(res, await webhooks.list(principal, params.org));
      },
    }),
    defineRoute({
      method: 'get',
      path: `${base}/webhooks/{webhook_id}`,
      summary: 'One webhook endpoint',
      tag,
      auth: 'tenant',
      params: endpointParams,
      responses: { 200: A.endpoint('Ok'), 403: 'Not a platform admin', 404: 'Unknown endpoint' },
      async handler({ params, principal, res }) {
        sendEnvelope(res, await webhooks.get(principal, params.org, params.webhook_id));
      },
    }),
    defineRoute({
      method: 'put',
      path: `${base}/webhooks/{webhook_id}`,
      summary: 'Update a webhook endpoint; `enabled: true` re-enables one disabled after failures',
      tag,
      auth: 'tenant',
      params: endpointParams,
      body: z.object({
        url: webhookUrl.optional(),
        events: eventList.optional(),
        description: z.string().max(500).nullable().optional(),
        enabled: z.boolean().optional(),
      }),
      responses: {
        200: A.endpoint('Updated'),
        400: 'Invalid or refused URL',
        403: 'Not a platform admin',
        404: 'Unknown',
      },
      async handler({ params, body, principal, res }) {
        sendEnvelope(res, await webhooks.update(principal, params.org, params.webhook_id, body), 'Updated');
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${base}/webhooks/{webhook_id}`,
      summary: 'Delete a webhook endpoint (and its delivery log)',
      tag,
      auth: 'tenant',
      params: endpointParams,
      responses: { 204: 'Deleted', 403: 'Not a platform admin', 404: 'Unknown endpoint' },
      async handler({ params, principal, res }) {
        await webhooks.remove(principal, params.org, params.webhook_id);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'post',
      path: `${base}/webhooks/{webhook_id}/rotate-secret`,
      summary: 'A new signing secret; the old one keeps signing beside it for 24 hours',
      tag,
      auth: 'tenant',
      params: endpointParams,
      responses: { 200: A.endpoint('Updated'), 403: 'Not a platform admin', 404: 'Unknown endpoint' },
      async handler({ params, principal, res }) {
        sendEnvelope(res, await webhooks.rotateSecret(principal, params.org, params.webhook_id), 'Updated');
      },
    }),
    defineRoute({
      method: 'get',
      path: `${base}/webhooks/{webhook_id}/deliveries`,
      summary: 'Deliveries of an endpoint, newest first, each with its attempts (status, duration, response)',
      tag,
      auth: 'tenant',
      params: endpointParams,
      query: z.object({
        limit: z.coerce.number().int().min(1).max(200).default(50),
        before: z.coerce.number().int().min(1).optional(),
      }),
      responses: { 200: A.deliveries, 403: 'Not a platform admin', 404: 'Unknown endpoint' },
      async handler({ params, query, principal, res }) {
        sendEnvelope(res, await webhooks.deliveries(principal, params.org, params.webhook_id, query));
      },
    }),
    defineRoute({
      method: 'post',
      path: `${base}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver`,
      summary: 'Send a delivery again',
      tag,
      auth: 'tenant',
      params: endpointParams.extend({ delivery_id: z.string().min(1).max(100) }),
      responses: { 202: A.redelivery, 403: 'Not a platform admin', 404: 'Unknown endpoint or delivery' },
      async handler({ params, principal, res }) {
        const d = await webhooks.redeliver(principal, params.org, params.webhook_id, params.delivery_id);
        sendEnvelope(res, d, 'Ok', 202);
      },
    }),
  ];
}
