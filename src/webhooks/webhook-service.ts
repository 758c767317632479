import type { DeliveryRow, EndpointRow, WebhookRepository } from '../db/webhook-repository.js';
import type { EventRepository } from '../db/event-repository.js';
import type { Principal } from '../auth/principal.js';
import { canAdministerOrg } from '../auth/permissions.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { newEntityId } from '../ids.js';
import type { NotifyConfig } from '../config.js';
import type { QueueSet } from '../queue/queue-set.js';
import { eventBody, type EventBody } from '../events/event-types.js';
import type { AddressPolicy } from './address-policy.js';
import { newWebhookSecret } from './signing.js';

/** How long the old secret keeps signing after a rotation, so receivers can switch without a gap. */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

/** What admins see of an endpoint; the secret only when it is created or rotated. */
export function endpointObject(e: EndpointRow, withSecret = false) {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.events,
    enabled: e.enabled,
    disabled_reason: e.disabled_reason,
    failure_streak: e.failure_streak,
    created_at: e.created_at.toISOString(),
    updated_at: e.updated_at.toISOString(),
    ...(withSecret && { secret: e.secret }),
  };
}

export interface WebhookServiceDeps {
  webhookRepo: WebhookRepository;
  eventRepo: EventRepository;
  queues: QueueSet;
  config: NotifyConfig;
  policy: AddressPolicy;
}

export function webhookService(deps: WebhookServiceDeps) {
  const { webhookRepo, eventRepo, config } = deps;

  function assertAdmin(p: Principal, org: string): void {
    if (!canAdministerOrg(p, org)) throw new ForbiddenError('Only platform admins manage webhooks and events.');
  }

  /** Refused at save time as it would be at connect time (which checks again, at every delivery). */
  async function checkUrl(url: string): Promise<void> {
    const u = new URL(url);
    const allowed = config.webhooks.allowHttp ? ['https:', 'http:'] : ['https:'];
    const bad = (msg: string) => new ValidationError(`Invalid body: url: ${msg}`, { fieldErrors: { url: [msg] } });
    if (!allowed.includes(u.protocol)) throw bad(`must be an ${allowed.join(' or ')} URL`);
    if (u.username || u.password) throw bad('must not carry credentials');
    try {
      await deps.policy.check(u.hostname);
    } catch (err) {
      throw bad((err as Error).message);
    }
  }

  async function requireEndpoint(org: string, id: string): Promise<EndpointRow> {
    const e = await webhookRepo.getEndpoint(org, id);
    if (!e) throw new NotFoundError(`Webhook endpoint "${id}" does not exist.`);
    return e;
  }

  const deliveryJobOpts = (jobId: string) => ({
    jobId,
    attempts: config.webhooks.attempts,
    backoff: { type: 'exponential', delay: config.webhooks.backoffMs },
  });

  return {
    async create(p: Principal, org: string, b: { url: string; events?: string[]; description?: string }) {
      assertAdmin(p, org);
      await checkUrl(b.url);
      const row = await webhookRepo.insertEndpoint({
        id: `whe_${newEntityId()}`,
        org,
        url: b.url,
        description: b.description ?? null,
        events: b.events ?? ['*'],
        secret: newWebhookSecret(),
      });
      return endpointObject(row, true);
    },

    async list(p: Principal, org: string) {
      assertAdmin(p, org);
      return (await webhookRepo.listEndpoints(org)).map((e) => endpointObject(e));
    },

    async get(p: Principal, org: string, id: string) {
      assertAdmin(p, org);
      return endpointObject(await requireEndpoint(org, id));
    },

    /** `enabled: true` re-enables a disabled endpoint and clears its failure streak. */
    async update(
      p: Principal,
      org: string,
      id: string,
      b: { url?: string; events?: string[]; description?: string | null; enabled?: boolean },
    ) {
      assertAdmin(p, org);
      await requireEndpoint(org, id);
      if (b.url !== undefined) await checkUrl(b.url);
      const row = await webhookRepo.updateEndpoint(org, id, {
        ...b,
        ...(b.enabled === true && { failure_streak: 0, disabled_reason: null }),
        ...(b.enabled === false && { disabled_reason: 'disabled by an admin' }),
      });
      return endpointObject(row!);
    },

    async remove(p: Principal, org: string, id: string): Promise<void> {
      assertAdmin(p, org);
      if (!(await webhookRepo.deleteEndpoint(org, id)))
        throw new NotFoundError(`Webhook endpoint "${id}" does not exist.`);
    },

    /** A new secret; the old one keeps signing beside it (two signatures) for ROTATION_OVERLAP_MS. */
    async rotateSecret(p: Principal, org: string, id: string) {
      assertAdmin(p, org);
      const current = await requireEndpoint(org, id);
      const row = await webhookRepo.updateEndpoint(org, id, {
        secret: newWebhookSecret(),
        previous_secret: current.secret,
        previous_secret_until: new Date(Date.now() + ROTATION_OVERLAP_MS),
      });
      return endpointObject(row!, true);
    },

    async deliveries(p: Principal, org: string, id: string, page: { limit: number; before?: number }) {
      assertAdmin(p, org);
      await requireEndpoint(org, id);
      const rows = await webhookRepo.listDeliveries(org, id, page);
      const attempts = await webhookRepo.listAttempts(rows.map((r) => r.id));
      return {
        data: rows.map((d) => deliveryObject(d, attempts)),
        next_before: rows.length === page.limit ? rows[rows.length - 1].event_seq : null,
      };
    },

    /** Sends one delivery again (a new series of attempts), whatever became of it. */
    async redeliver(p: Principal, org: string, id: string, deliveryId: string) {
      assertAdmin(p, org);
      await requireEndpoint(org, id);
      const d = await webhookRepo.getDelivery(deliveryId);
      if (!d || d.org !== org || d.endpoint_id !== id)
        throw new NotFoundError(`Delivery "${deliveryId}" does not exist.`);
      await webhookRepo.setDeliveryStatus(d.id, 'pending');
      await deps.queues.webhooks.add(
        'deliver',
        { org, deliveryId: d.id },
        deliveryJobOpts(`${d.id}-r${Date.now().toString(36)}`),
      );
      return deliveryObject({ ...d, status: 'pending' }, []);
    },

    /** The change feed: events after the cursor, oldest first. */
    async feed(p: Principal, org: string, q: { after?: string; limit: number }) {
      assertAdmin(p, org);
      const after = q.after === undefined || q.after === '' ? 0 : Number(q.after);
      if (!Number.isSafeInteger(after) || after < 0) {
        throw new ValidationError('Invalid query: after: must be a cursor from an earlier page', {
          fieldErrors: { after: ['must be a cursor from an earlier page'] },
        });
      }
      const rows = await eventRepo.listEvents(org, after, q.limit);
      const events: (EventBody & { cursor: string })[] = rows.map((e) => ({ cursor: String(e.seq), ...eventBody(e) }));
      return { events, next_cursor: rows.length ? String(rows[rows.length - 1].seq) : String(after) };
    },
  };
}

function deliveryObject(d: DeliveryRow, attempts: Awaited<ReturnType<WebhookRepository['listAttempts']>>) {
  return {
    id: d.id,
    event_cursor: String(d.event_seq),
    subject: d.subject,
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    created_at: d.created_at.toISOString(),
    updated_at: d.updated_at.toISOString(),
    attempt_log: attempts
      .filter((a) => a.delivery_id === d.id)
      .map((a) => ({
        status_code: a.status_code,
        duration_ms: a.duration_ms,
        response: a.response,
        error: a.error,
        at: a.created_at.toISOString(),
      })),
  };
}

export type WebhookService = ReturnType<typeof webhookService>;
