import { FlowProducer, Queue, QueueEvents } from 'bullmq';
import type { IssuanceJob } from '../issuance/issuance-jobs.js';
import type { RenderJob } from '../rendering/render-jobs.js';
import { JOB_OPTIONS } from './job-options.js';
import { QUEUE_NAMES } from './queues.js';
import type { WebhookJob } from '../webhooks/webhook-job.js';
import type { MailQueueJob } from '../mail/mail-job.js';

export interface RedisTarget {
  url: string;
  prefix: string;
}

/**
 * Reconnect every 100 ms growing to 1 s (BullMQ's default grows to 20 s): a Redis that is back is
 * used again within about a second, by producers and workers alike.
 */
export const redisRetryStrategy = (times: number): number => Math.min(100 * times, 1000);

/**
 * Producers (Queue, FlowProducer) fail fast while Redis is away: no offline queue, and a command
 * in flight when the connection drops is rejected after one failed reconnect. The API then
 * answers 503 + Retry-After at once instead of hanging for the outage. Workers and QueueEvents
 * hold blocking connections, which BullMQ requires to wait (maxRetriesPerRequest null).
 */
export const producerConnection = (url: string) => ({
  url,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  retryStrategy: redisRetryStrategy,
});
export const blockingConnection = (url: string) => ({
  url,
  maxRetriesPerRequest: null,
  retryStrategy: redisRetryStrategy,
});

/**
 * The producer side: one BullMQ Queue per queue name, plus QueueEvents for callers that wait on
 * a job (the API waits briefly for issuance to answer 201 instead of 202).
 */
export function createQueueSet(redis: RedisTarget, onError?: (err: Error, source: string) => void) {
  const connection = producerConnection(redis.url);
  const eventsConnection = blockingConnection(redis.url);
  const issuance = new Queue<IssuanceJob['data'], IssuanceJob['result'], IssuanceJob['name']>(QUEUE_NAMES.issuance, {
    connection,
    prefix: redis.prefix,
    defaultJobOptions: JOB_OPTIONS.issuance,
  });
  const render = new Queue<RenderJob['data'], RenderJob['result'], RenderJob['name']>(QUEUE_NAMES.render, {
    connection,
    prefix: redis.prefix,
    defaultJobOptions: JOB_OPTIONS.render,
  });
  const webhooks = new Queue<WebhookJob['data'], WebhookJob['result'], WebhookJob['name']>(QUEUE_NAMES.webhooks, {
    connection,
    prefix: redis.prefix,
    defaultJobOptions: JOB_OPTIONS.webhooks,
  });
  const mail = new Queue<MailQueueJob['data'], MailQueueJob['result'], MailQueueJob['name']>(QUEUE_NAMES.mail, {
    connection,
    prefix: redis.prefix,
    defaultJobOptions: JOB_OPTIONS.mail,
  });
  // Bulk issuance is a flow: a parent job that runs once all its chunk jobs are done.
  // Flow jobs do not take a queue's defaultJobOptions; the producer of a flow sets them.
  const flows = new FlowProducer({ connection, prefix: redis.prefix });
  let issuanceEvents: QueueEvents | undefined;
  let renderEvents: QueueEvents | undefined;
  // While Redis is away every client reports each failed reconnect; without a listener BullMQ
  // prints them to stderr. ioredis keeps reconnecting either way.
  const report = (source: string) => (err: Error) => onError?.(err, source);
  issuance.on('error', report('issuance queue'));
  render.on('error', report('render queue'));
  flows.on('error', report('flow producer'));
  webhooks.on('error', report('webhooks queue'));
  mail.on('error', report('mail queue'));

  return {
    issuance,
    render,
    webhooks,
    mail,
    flows,
    /** Lazily opened: it holds a blocking Redis connection that most processes never need. */
    issuanceEvents(): QueueEvents {
      if (!issuanceEvents) {
        issuanceEvents = new QueueEvents(QUEUE_NAMES.issuance, { connection: eventsConnection, prefix: redis.prefix });
        issuanceEvents.on('error', report('issuance events'));
      }
      return issuanceEvents;
    },
    /** Lazily opened, like issuanceEvents: downloads wait on on-demand render jobs. */
    renderEvents(): QueueEvents {
      if (!renderEvents) {
        renderEvents = new QueueEvents(QUEUE_NAMES.render, { connection: eventsConnection, prefix: redis.prefix });
        renderEvents.on('error', report('render events'));
      }
      return renderEvents;
    },
    async ping(): Promise<void> {
      // Any command proves the connection; it fails at once while Redis is down (no offline queue).
      await issuance.getJobCounts('waiting');
    },
    async close(): Promise<void> {
      await Promise.all([
        issuance.close(),
        render.close(),
        webhooks.close(),
        mail.close(),
        flows.close(),
        issuanceEvents?.close(),
        renderEvents?.close(),
      ]);
    },
  };
}

export type QueueSet = ReturnType<typeof createQueueSet>;
