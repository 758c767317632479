import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { sendEnvelope } from '../envelope.js';
import type { Runtime } from '../../runtime.js';
import { EVENT_TYPES } from '../../events/event-types.js';
import { webhookService } from '../../webhooks/webhook-service.js';
import { addressPolicy } from '../../webhooks/address-policy.js';
import { mailSettingsService } from '../../mail/mail-settings-service.js';

/**
 * Issue 16: the change feed, webhook endpoints and their deliveries, email settings and the email
 * status of an assertion. All for the org's platform admins, under the tenant path.
 */
const base = '/api/credentials/orgs/{org}/users/{user_id}';
const tenantParams = z.object({ org: z.string(), user_id: z.string() });
const endpointParams = tenantParams.extend({ webhook_id: z.string().min(1).max(100) });
const eventList = z
  .array(z.enum([...EVENT_TYPES, '*']))
  .min(1)
  .max(EVENT_TYPES.length + 1);
const webhookUrl = z.url().max(2000);
const tag = 'notifications';

export function notificationRoutes(rt: Runtime): RouteDef[] {
  const webhooks = webhookService({
    db: rt.db,
    queues: rt.queues,
    config: rt.config.notify,
    policy: addressPolicy(rt.config.notify.webhooks.allowedAddresses),
  });
  const mail = mailSettingsService({
    db: rt.db,
    publicBaseUrl: rt.config.publicBaseUrl,
    mailEnabled: rt.config.notify.mail !== undefined,
  });
  const template = z
    .string()
    .max(256 * 1024)
    .nullable()
    .optional();
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
      responses: { 200: 'Ok', 400: 'Bad cursor', 403: 'Not a platform admin' },
      async handler({ params, query, principal, res }) {
        sendEnvelope(res, await webhooks.feed(principal, params.org, query));
      },
    }),
    defineRoute({
      method: 'post',
      path: `${base}/webhooks`,
      summary: 'Create a webhook endpoint (the answer shows its signing secret, once)',
      tag,
      auth: 'tenant',
      params: tenantParams,
      body: z.object({ url: webhookUrl, events: eventList.optional(), description: z.string().max(500).optional() }),
      responses: { 201: 'Created', 400: 'Invalid or refused URL', 403: 'Not a platform admin' },
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
      responses: { 200: 'Ok', 403: 'Not a platform admin' },
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
      responses: { 200: 'Ok', 403: 'Not a platform admin', 404: 'Unknown endpoint' },
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
      responses: { 200: 'Updated', 400: 'Invalid or refused URL', 403: 'Not a platform admin', 404: 'Unknown' },
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
      responses: { 200: 'Updated', 403: 'Not a platform admin', 404: 'Unknown endpoint' },
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
      responses: { 200: 'Ok', 403: 'Not a platform admin', 404: 'Unknown endpoint' },
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
      responses: { 202: 'Queued', 403: 'Not a platform admin', 404: 'Unknown endpoint or delivery' },
      async handler({ params, principal, res }) {
        const d = await webhooks.redeliver(principal, params.org, params.webhook_id, params.delivery_id);
        sendEnvelope(res, d, 'Ok', 202);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${base}/mail-settings`,
      summary: 'Email settings of the org (sender name, reply-to, templates, notify defaults)',
      tag,
      auth: 'tenant',
      params: tenantParams,
      responses: { 200: 'Ok', 403: 'Not a platform admin' },
      async handler({ params, principal, res }) {
        sendEnvelope(res, await mail.get(principal, params.org));
      },
    }),
    defineRoute({
      method: 'put',
      path: `${base}/mail-settings`,
      summary: 'Change email settings; templates are checked as certificate templates are',
      tag,
      auth: 'tenant',
      params: tenantParams,
      body: z.object({
        sender_name: z.string().max(255).nullable().optional(),
        reply_to: z.email().max(320).nullable().optional(),
        subject: z.string().max(500).nullable().optional(),
        html_template: template,
        text_template: template,
        notify_default: z.boolean().optional(),
        notify_on_revoke: z.boolean().optional(),
        attach_pdf: z.boolean().optional(),
      }),
      responses: { 200: 'Updated', 400: 'Invalid template', 403: 'Not a platform admin' },
      async handler({ params, body, principal, res }) {
        sendEnvelope(res, await mail.put(principal, params.org, body), 'Updated');
      },
    }),
    defineRoute({
      method: 'get',
      path: `${base}/assertions/{assertion_id}/notifications`,
      summary: 'Email status of an assertion: [{event, status, attempts, last_error}]',
      tag,
      auth: 'tenant',
      params: tenantParams.extend({ assertion_id: z.string().min(1).max(100) }),
      responses: { 200: 'Ok', 403: 'Not a platform admin', 404: 'Unknown assertion' },
      async handler({ params, principal, res }) {
        sendEnvelope(res, await mail.notifications(principal, params.org, params.assertion_id));
      },
    }),
  ];
}
