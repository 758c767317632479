import type { DefaultJobOptions } from 'bullmq';
import type { QueueName } from './queues.js';

const DAY_S = 24 * 3600;

/**
 * How each queue's jobs retry and how long they are kept after finishing (the jobs route reads
 * them). The queues take these as defaults; flow jobs do not take a queue's defaults, so the
 * producer of a flow spreads them in itself.
 */
export const JOB_OPTIONS = {
  issuance: {
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: DAY_S, count: 10_000 },
    removeOnFail: { age: 7 * DAY_S },
  },
  render: {
    attempts: 5,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: { age: DAY_S, count: 10_000 },
    removeOnFail: { age: 7 * DAY_S },
  },
  // Attempts and backoff of deliveries and emails are set per job from the config (src/events/notifier.ts).
  webhooks: { removeOnComplete: { age: DAY_S, count: 10_000 }, removeOnFail: { age: 7 * DAY_S } },
  mail: { removeOnComplete: { age: DAY_S, count: 10_000 }, removeOnFail: { age: 7 * DAY_S } },
} as const satisfies Record<QueueName, DefaultJobOptions>;
