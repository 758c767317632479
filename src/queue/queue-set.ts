import { Queue, QueueEvents } from 'bullmq';
import { QUEUE_NAMES, type IssuanceJob } from './queues.js';

export interface RedisTarget {
  url: string;
  prefix: string;
}

/**
 * The producer side: one BullMQ Queue per queue name, plus QueueEvents for callers that wait on
 * a job (the API waits briefly for issuance to answer 201 instead of 202).
 */
export function createQueueSet(redis: RedisTarget) {
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
  let issuanceEvents: QueueEvents | undefined;

  return {
    issuance,
    /** Lazily opened: it holds a blocking Redis connection that most processes never need. */
    issuanceEvents(): QueueEvents {
      issuanceEvents ??= new QueueEvents(QUEUE_NAMES.issuance, { connection, prefix: redis.prefix });
      return issuanceEvents;
    },
    async ping(): Promise<void> {
      // Any command proves the connection; with maxRetriesPerRequest=null it waits while Redis is down,
      // so callers bound it with a timeout.
      await issuance.getJobCounts('waiting');
    },
    async close(): Promise<void> {
      await Promise.all([issuance.close(), issuanceEvents?.close()]);
    },
  };
}

export type QueueSet = ReturnType<typeof createQueueSet>;
