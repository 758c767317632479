import type { Db } from '../db/database.js';
import { eventRepository, type StoredEvent } from '../db/event-repository.js';
import { webhookRepository, type NewDelivery } from '../db/webhook-repository.js';
import { mailRepository, type MailSettingsRow } from '../db/mail-repository.js';
import { newEntityId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { QueueSet } from '../queue/queue-set.js';
import type { NotifyConfig } from '../config.js';
import { mailJobId, type MailEvent } from '../mail/mail-job.js';
import type { EventType } from './event-types.js';
import { Redis } from 'ioredis';
import { redisRetryStrategy, type RedisTarget } from '../queue/queue-set.js';
import { orgSendSlots } from '../mail/org-send-slots.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';

/**
 * Records events in the caller's transaction, with the work they cause (a webhook delivery per
 * subscribed endpoint, an email per notified recipient) as rows of that same transaction; then,
 * after the commit, enqueues that work. A crash between the two loses no work: the sweeps of the
 * webhooks and mail queues re-enqueue what stayed pending.
 */
export interface EventInput {
  type: EventType;
  org: string;
  subject: string;
  data: object;
  /** A natural id makes the event once-only (`bulk.completed` of a bulk); default: a random one. */
  id?: string;
  /** For assertion events: whether to email the recipient (undefined: the org's default). */
  mail?: { assertionId: string; hasEmail: boolean; notify?: boolean };
}

export interface Recorded {
  events: StoredEvent[];
  deliveries: { id: string; org: string }[];
  mails: { assertion_id: string; event: string; org: string }[];
}

export const EMPTY_RECORDED: Recorded = { events: [], deliveries: [], mails: [] };

/** The assertions whose public answers an event changes: a revoked one, the award a reissue superseded. */
function changedAssertions(events: StoredEvent[]): string[] {
  const ids: string[] = [];
  for (const e of events) {
    if (e.type === 'assertion.revoked') ids.push(e.subject);
    const previous = (e.data as { previous_assertion_id?: unknown }).previous_assertion_id;
    if (e.type === 'assertion.reissued' && typeof previous === 'string') ids.push(previous);
  }
  return ids;
}

export function createNotifier(deps: {
  queues: QueueSet;
  config: NotifyConfig;
  logger: Logger;
  redis: RedisTarget;
  /** Told of revoked and superseded assertions after the commit, for the public answers' caches. */
  invalidation?: Pick<InvalidationBus, 'assertionsChanged'>;
}) {
  const { queues, config, logger } = deps;
  // Opened on the first email only: most processes never enqueue one.
  let slotClient: Redis | undefined;
  const slots = () => {
    if (!slotClient) {
      slotClient = new Redis(deps.redis.url, { maxRetriesPerRequest: 1, retryStrategy: redisRetryStrategy });
      slotClient.on('error', () => {});
    }
    return orgSendSlots(slotClient, deps.redis.prefix, config.mail!.ratePerOrg);
  };

  async function mailsFor(db: Db, inputs: EventInput[]) {
    const candidates = inputs.filter((i) => i.mail?.hasEmail);
    if (!config.mail || candidates.length === 0) return [];
    const mailRepo = mailRepository(db);
    const settings = new Map<string, MailSettingsRow | undefined>();
    for (const org of new Set(candidates.map((c) => c.org))) settings.set(org, await mailRepo.getMailSettings(org));
    const rows: { assertion_id: string; event: MailEvent; org: string }[] = [];
    for (const i of candidates) {
      const s = settings.get(i.org);
      const event: MailEvent | undefined =
        i.type === 'assertion.revoked'
          ? 'assertion.revoked'
          : i.type === 'assertion.issued' || i.type === 'assertion.reissued'
            ? 'assertion.issued'
            : undefined;
      if (!event) continue;
      const wanted =
        event === 'assertion.revoked' ? (s?.notify_on_revoke ?? false) : (i.mail!.notify ?? s?.notify_default ?? false);
      if (wanted) rows.push({ assertion_id: i.mail!.assertionId, event, org: i.org });
    }
    return mailRepo.insertNotifications(rows);
  }

  /** Call inside the transaction of the change. */
  async function record(db: Db, inputs: EventInput[]): Promise<Recorded> {
    if (inputs.length === 0) return EMPTY_RECORDED;
    const webhookRepo = webhookRepository(db);
    const events = await eventRepository(db).insertEvents(
      inputs.map((i) => ({
        id: i.id ?? `evt_${newEntityId()}`,
        org: i.org,
        type: i.type,
        subject: i.subject,
        data: i.data,
      })),
    );
    const endpoints = await webhookRepo.enabledEndpoints([...new Set(events.map((e) => e.org))]);
    const rows: NewDelivery[] = [];
    for (const e of events) {
      for (const ep of endpoints) {
        if (ep.org !== e.org || !(ep.events.includes(e.type) || ep.events.includes('*'))) continue;
        rows.push({ id: `dlv_${newEntityId()}`, org: e.org, endpoint_id: ep.id, event_seq: e.seq, subject: e.subject });
      }
    }
    const stored = new Set(await webhookRepo.insertDeliveries(rows));
    const deliveries = rows.filter((r) => stored.has(r.id)).map((r) => ({ id: r.id, org: r.org }));
    const recordedIds = new Set(events.map((e) => e.id));
    const fresh = inputs.filter((i) => i.id === undefined || recordedIds.has(i.id));
    return { events, deliveries, mails: await mailsFor(db, fresh) };
  }

  /** Call after the commit. Failures are logged, not thrown: the change stands and the sweeps catch up. */
  async function publish(r: Recorded): Promise<void> {
    deps.invalidation?.assertionsChanged(changedAssertions(r.events));
    try {
      const w = config.webhooks;
      for (let i = 0; i < r.deliveries.length; i += 500) {
        await queues.webhooks.addBulk(
          r.deliveries.slice(i, i + 500).map((d) => ({
            name: 'deliver' as const,
            data: { org: d.org, deliveryId: d.id },
            opts: { jobId: d.id, attempts: w.attempts, backoff: { type: 'exponential', delay: w.backoffMs } },
          })),
        );
      }
      const m = config.mail;
      if (m && r.mails.length) {
        // Each email is created delayed to its own send slot (the org's rate), so the mail worker
        // fetches it once, when it is due.
        const s = slots();
        for (const org of new Set(r.mails.map((n) => n.org))) {
          const mails = r.mails.filter((n) => n.org === org);
          const first = await s.reserve(org, mails.length);
          const now = Date.now();
          for (let i = 0; i < mails.length; i += 500) {
            await queues.mail.addBulk(
              mails.slice(i, i + 500).map((n, k) => {
                const at = first + (i + k) * s.interval;
                return {
                  name: 'mail' as const,
                  data: { org, assertionId: n.assertion_id, event: n.event as MailEvent, slot: { at, attempt: 0 } },
                  opts: {
                    jobId: mailJobId(n.assertion_id, n.event as MailEvent),
                    attempts: m.attempts,
                    backoff: { type: 'exponential', delay: m.backoffMs },
                    delay: Math.max(0, Math.round(at - now)),
                  },
                };
              }),
            );
          }
        }
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'notifications not enqueued; the sweep will');
    }
  }

  return {
    record,
    publish,
    close(): void {
      slotClient?.disconnect();
    },
    /** Record and publish outside any other transaction (render outcomes, bulk completion). */
    async emit(db: Db, inputs: EventInput[]): Promise<void> {
      await publish(await db.transaction().execute((trx) => record(trx, inputs)));
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
