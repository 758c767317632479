import { FlowProducer, Queue, QueueEvents } from 'bullmq';
import { QUEUE_NAMES, type IssuanceJob, type RenderJob } from './queues.js';

export interface RedisTarget {
  url: string;
  prefix: string;
}

/**
 * The producer side: one BullMQ Queue per queue name, plus QueueEvents for callers that wait on
 * a job (the API waits briefly for issuance to answer 201 instead of 202).
 */
export function createQueueSet(redis: RedisTarget, onError?: (err: Error, source: string) => void) {
  const connection = { url: redis.url, maxRetriesPerRequest: null };
  const issuance = new Queue<IssuanceJob['data'], IssuanceJob['result'], IssuanceJob['name']>(QUEUE_NAMES.issuance, {
    connection,
    prefix: redis.prefix,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
  const render = new Queue<RenderJob['data'], RenderJob['result'], RenderJob['name']>(QUEUE_NAMES.render, {
    connection,
    prefix: redis.prefix,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
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

  return {
    issuance,
    render,
    flows,
    /** Lazily opened: it holds a blocking Redis connection that most processes never need. */
    issuanceEvents(): QueueEvents {
      if (!issuanceEvents) {
        issuanceEvents = new QueueEvents(QUEUE_NAMES.issuance, { connection, prefix: redis.prefix });
        issuanceEvents.on('error', report('issuance events'));
      }
      return issuanceEvents;
    },
    /** Lazily opened, like issuanceEvents: downloads wait on on-demand render jobs. */
    renderEvents(): QueueEvents {
      if (!renderEvents) {
        renderEvents = new QueueEvents(QUEUE_NAMES.render, { connection, prefix: redis.prefix });
        renderEvents.on('error', report('render events'));
      }
      return renderEvents;
    },
    async ping(): Promise<void> {
      // Any command proves the connection; with maxRetriesPerRequest=null it waits while Redis is down,
      // so callers bound it with a timeout.
      await issuance.getJobCounts('waiting');
    },
    async close(): Promise<void> {
      await Promise.all([issuance.close(), render.close(), flows.close(), issuanceEvents?.close(), renderEvents?.close()]);
    },
  };
}

export type QueueSet = ReturnType<typeof createQueueSet>;
