import type { Queue } from 'bullmq';

/**
 * Removes the jobs with these ids that already finished (completed or failed), so that re-adding
 * work under the same ids runs it again: BullMQ ignores an add whose id is still kept in the
 * completed or failed set (for days), which left swept rows stuck. Jobs still waiting, delayed or
 * active are left alone — re-adding those stays a no-op, as it should.
 */
export async function clearFinished(queue: Queue, ids: string[]): Promise<void> {
  for (const id of ids) {
    const job = await queue.getJob(id);
    if (!job) continue;
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') await job.remove().catch(() => undefined);
  }
}
