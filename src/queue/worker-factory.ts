import os from 'node:os';
import { Worker, type Processor } from 'bullmq';
import type { Runtime } from '../runtime.js';
import type { QueueName } from './queues.js';
import { blockingConnection } from './queue-set.js';

/**
 * Workers share one policy: the job lock is JOB_LOCK_MS, and a job whose worker died (lock not
 * renewed) is moved back to waiting by whichever worker checks for stalled jobs next.
 */
export function createWorker(
  rt: Runtime,
  queue: QueueName,
  processor: Processor,
  concurrency = rt.config.workerConcurrency,
): Worker {
  const worker = new Worker(queue, processor, {
    connection: blockingConnection(rt.redis.url),
    prefix: rt.redis.prefix,
    concurrency,
    // Recorded on each job as `processedBy`: which node ran it, when several do.
    name: `${os.hostname()}:${process.pid}`,
    lockDuration: rt.config.jobLockMs,
    stalledInterval: Math.max(1000, Math.floor(rt.config.jobLockMs / 2)),
    maxStalledCount: 3,
    // After a connection error the fetch loop waits this long (BullMQ: 15 s): back within ~1 s of Redis.
    runRetryDelay: 1000,
  });
  worker.on('failed', (job, err) =>
    rt.logger.warn(
      { queue, job: job?.id, name: job?.name, attempts: job?.attemptsMade, err: err.message },
      'job failed',
    ),
  );
  worker.on('error', (err) => rt.logger.error({ queue, err: err.message }, 'worker error'));
  return worker;
}
