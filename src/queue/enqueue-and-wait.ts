import type { Job, Queue, QueueEvents } from 'bullmq';

/** What a bounded wait on a job learned: its result, its final failure, or that it is not done yet. */
export type JobOutcome<R> =
  { state: 'completed'; value: R } | { state: 'failed'; reason: string } | { state: 'pending' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any queue's jobs: only ids and states are read
type AnyQueue = Queue<any, any, string>;

const PENDING = { state: 'pending' } as const;

/**
 * Queues a job (or finds one already queued: `enqueue` decides) and waits up to `waitMs` for it
 * to finish. The outcome comes from the job's stored state, never from the text of BullMQ's
 * error: a wait that ended (bound passed, failure, queue closing) asks the job what became of it,
 * so a completion whose event was missed (events stream opened late, Redis reconnect) still counts.
 * The API uses this for single and bulk issues and for on-demand renders.
 */
export async function enqueueAndWait<R>(
  queue: AnyQueue,
  /** opened only when there is a wait (a QueueEvents holds a blocking connection) */
  events: () => QueueEvents,
  enqueue: () => Promise<Job>,
  waitMs: number,
): Promise<{ job: Job; outcome: JobOutcome<R> }> {
  const job = await enqueue();
  if (waitMs <= 0) return { job, outcome: PENDING };
  try {
    const value = (await job.waitUntilFinished(events(), waitMs)) as R | null | undefined;
    if (value !== null && value !== undefined) return { job, outcome: { state: 'completed', value } };
    // A job that finished before the wait began resolves with the stale (null) return value of
    // our local copy: the stored result is read below.
  } catch {
    // Timed out, failed after all its attempts, or the queue is closing: the stored state says which.
  }
  return { job, outcome: await storedOutcome<R>(queue, String(job.id)) };
}

async function storedOutcome<R>(queue: AnyQueue, jobId: string): Promise<JobOutcome<R>> {
  const latest = await queue.getJob(jobId);
  if (!latest) return PENDING;
  const state = await latest.getState();
  if (state === 'completed') return { state: 'completed', value: latest.returnvalue as R };
  if (state === 'failed') return { state: 'failed', reason: latest.failedReason ?? 'failed' };
  return PENDING;
}
