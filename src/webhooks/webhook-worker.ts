import { clearFinished } from '../queue/clear-finished.js';
import { DelayedError, type Job, type Worker } from 'bullmq';
import type { Runtime } from '../runtime.js';
import { createWorker } from '../queue/worker-factory.js';
import { QUEUE_NAMES } from '../queue/queues.js';
import { eventBody } from '../events/event-types.js';
import { addressPolicy } from './address-policy.js';
import { signedHeaders } from './signing.js';
import { sendWebhook } from './webhook-sender.js';
import type { DeliverJob, WebhookJob } from './webhook-job.js';
import { webhookDeliveries } from '../metrics/domain-metrics.js';

/** A delivery whose job was lost (Redis away after the commit) is re-enqueued after this long. */
const SWEEP_AFTER_MS = 2 * 60_000;
const SWEEP_EVERY_MS = 60_000;

/**
 * The webhooks worker: one attempt per job run. A failure is retried by BullMQ (exponential
 * backoff, WEBHOOK_ATTEMPTS in all); every attempt is logged; the endpoint is disabled after
 * WEBHOOK_DISABLE_AFTER failed attempts in a row. A delivery waits while an earlier delivery of
 * the same subject (an assertion) to the same endpoint is pending, so `issued` arrives before
 * `revoked`.
 */
export function startWebhookWorker(rt: Runtime): Worker {
  const cfg = rt.config.notify.webhooks;
  const policy = addressPolicy(cfg.allowedAddresses);
  const { webhookRepo, eventRepo } = rt.repos;

  async function deliver(job: Job<DeliverJob['data']>, token?: string): Promise<DeliverJob['result']> {
    const d = await webhookRepo.getDelivery(job.data.deliveryId);
    if (!d || d.status !== 'pending') return { status: d?.status ?? 'gone' };
    const endpoint = await webhookRepo.getEndpoint(d.org, d.endpoint_id);
    if (!endpoint || !endpoint.enabled) {
      await webhookRepo.setDeliveryStatus(d.id, 'failed', endpoint ? 'endpoint disabled' : 'endpoint deleted');
      return { status: 'failed' };
    }
    if (await webhookRepo.hasEarlierPending(d)) {
      await job.moveToDelayed(Date.now() + Math.min(cfg.backoffMs * 2, 30_000), token);
      throw new DelayedError();
    }
    const [event] = await eventRepo.getEventsBySeq([d.event_seq]);
    if (!event) {
      await webhookRepo.setDeliveryStatus(d.id, 'failed', 'event purged');
      return { status: 'failed' };
    }
    const body = JSON.stringify(eventBody(event));
    const secrets = [endpoint.secret];
    if (endpoint.previous_secret && endpoint.previous_secret_until && endpoint.previous_secret_until > new Date()) {
      secrets.push(endpoint.previous_secret);
    }
    const headers = signedHeaders(secrets, event.id, Math.floor(Date.now() / 1000), body);
    const r = await sendWebhook(endpoint.url, body, headers, {
      policy,
      timeoutMs: cfg.timeoutMs,
      allowHttp: cfg.allowHttp,
    });
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const state = await webhookRepo.updateStreak(endpoint.id, r.ok, cfg.disableAfter);
    const disabled = state !== undefined && !state.enabled;
    const status = r.ok ? 'succeeded' : last || disabled ? 'failed' : 'pending';
    await webhookRepo.recordAttempt(
      d.id,
      { status_code: r.statusCode, duration_ms: r.durationMs, response: r.response, error: r.error },
      status,
    );
    webhookDeliveries.inc({ outcome: status === 'pending' ? 'retrying' : status });
    if (!r.ok && status === 'pending') throw new Error(r.error ?? 'delivery failed');
    return { status, ...(r.statusCode !== null && { statusCode: r.statusCode }) };
  }

  async function sweep(): Promise<{ requeued: number; purged: number }> {
    const stale = await webhookRepo.stalePendingDeliveries(SWEEP_AFTER_MS, 5000);
    // Same job ids as the first enqueue: a delivery whose job still exists (waiting, in backoff) is not doubled;
    // one whose job finished without settling the row (a crash, a database error) runs again.
    await clearFinished(
      rt.queues.webhooks,
      stale.map((d) => d.id),
    );
    await rt.queues.webhooks.addBulk(
      stale.map((d) => ({
        name: 'deliver' as const,
        data: { org: d.org, deliveryId: d.id },
        opts: { jobId: d.id, attempts: cfg.attempts, backoff: { type: 'exponential', delay: cfg.backoffMs } },
      })),
    );
    const days = rt.config.notify.eventsRetentionDays;
    const purged = await eventRepo.purgeEventsBefore(new Date(Date.now() - days * 24 * 3600 * 1000));
    return { requeued: stale.length, purged };
  }

  const worker = createWorker(rt, QUEUE_NAMES.webhooks, async (job: Job, token?: string) => {
    switch (job.name as WebhookJob['name']) {
      case 'deliver':
        return deliver(job as Job<DeliverJob['data']>, token);
      case 'sweep':
        return sweep();
      default:
        throw new Error(`Unknown webhooks job "${job.name}"`);
    }
  });
  rt.queues.webhooks
    .upsertJobScheduler('sweep', { every: SWEEP_EVERY_MS }, { name: 'sweep', data: {} })
    .catch((err: Error) => rt.logger.warn({ err: err.message }, 'webhooks sweep not scheduled'));
  return worker;
}
