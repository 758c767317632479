import { z } from 'zod';
import { envelopeSchema } from '../envelope.js';
import { EVENT_TYPES } from '../../events/event-types.js';

/** The documented answers of the notification routes (webhooks, the event feed, email). */
const isoTime = z.string().describe('ISO 8601 date-time');

export const webhookEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(z.enum(EVENT_TYPES)),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable(),
  failure_streak: z.number().int(),
  created_at: isoTime,
  updated_at: isoTime,
  secret: z.string().optional().describe('only when the endpoint is created or its secret rotated'),
});

export const webhookDeliverySchema = z.object({
  id: z.string(),
  event_cursor: z.string(),
  subject: z.string().nullable(),
  status: z.string(),
  attempts: z.number().int(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: isoTime,
  updated_at: isoTime,
  attempt_log: z.array(
    z.object({
      status_code: z.number().int().nullable(),
      duration_ms: z.number().nullable(),
      response: z.string().nullable(),
      error: z.string().nullable(),
      at: isoTime,
    }),
  ),
});

export const eventBodySchema = z.object({
  id: z.string(),
  type: z.enum(EVENT_TYPES),
  timestamp: isoTime,
  org: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export const mailSettingsSchema = z
  .object({
    org: z.string(),
    enabled: z.boolean().describe('whether this installation sends email (SMTP_URL set)'),
    defaults: z.object({ subject: z.string(), html_template: z.string(), text_template: z.string() }),
  })
  .catchall(z.unknown());

export const mailNotificationSchema = z.object({
  event: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  updated_at: isoTime,
});

export const NOTIFICATION_ANSWERS = {
  endpoint: (description: 'Ok' | 'Created' | 'Updated') => ({
    description,
    schema: envelopeSchema(webhookEndpointSchema, description),
  }),
  endpoints: { description: 'Ok', schema: envelopeSchema(z.array(webhookEndpointSchema), 'Ok') },
  deliveries: {
    description: 'Ok',
    schema: envelopeSchema(
      z.object({ data: z.array(webhookDeliverySchema), next_before: z.union([z.number(), z.string()]).nullable() }),
      'Ok',
    ),
  },
  redelivery: { description: 'Queued', schema: envelopeSchema(webhookDeliverySchema, 'Ok') },
  feed: {
    description: 'Ok',
    schema: envelopeSchema(z.object({ events: z.array(eventBodySchema), next_cursor: z.string() }), 'Ok'),
  },
  mailSettings: (description: 'Ok' | 'Updated') => ({
    description,
    schema: envelopeSchema(mailSettingsSchema, description),
  }),
  notifications: { description: 'Ok', schema: envelopeSchema(z.array(mailNotificationSchema), 'Ok') },
} as const;
