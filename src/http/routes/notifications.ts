import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { sendEnvelope } from '../envelope.js';
import { NOTIFICATION_ANSWERS as A } from './notification-schemas.js';
import type { Runtime } from '../../runtime.js';
import type { MailSettingsService } from '../../mail/mail-settings-service.js';
import { eventFeedRoutes } from './event-feed-routes.js';
import { webhookRoutes } from './webhook-routes.js';
import { base, tag, tenantParams } from './notification-paths.js';

/**
 * Issue 16: the change feed, webhook endpoints and their deliveries, email settings and the email
 * status of an assertion. All for the org's platform admins, under the tenant path.
 */
export function notificationRoutes(rt: Runtime): RouteDef[] {
  const { webhooks, mailSettings: mail } = rt.services;
  return [...eventFeedRoutes(webhooks), ...webhookRoutes(webhooks), ...mailRoutes(mail)];
}

const template = z
  .string()
  .max(256 * 1024)
  .nullable()
  .optional();

/** Email settings of the org and the email status of an assertion. */
function mailRoutes(mail: MailSettingsService): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: `${base}/mail-settings`,
      summary: 'Email settings of the org (sender name, reply-to, templates, notify defaults)',
      tag,
      auth: 'tenant',
      params: tenantParams,
      responses: { 200: A.mailSettings('Ok'), 403: 'Not a platform admin' },
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
      responses: { 200: A.mailSettings('Updated'), 400: 'Invalid template', 403: 'Not a platform admin' },
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
      responses: { 200: A.notifications, 403: 'Not a platform admin', 404: 'Unknown assertion' },
      async handler({ params, principal, res }) {
        sendEnvelope(res, await mail.notifications(principal, params.org, params.assertion_id));
      },
    }),
  ];
}
