import { renderJobId } from '../rendering/render-jobs.js';
import type { QueueSet } from '../queue/queue-set.js';

/** Queues the certificate renders of freshly issued assertions. */
export async function enqueueRenders(
  queues: QueueSet,
  org: string,
  requestedBy: string,
  assertionIds: string[],
  priority: number,
): Promise<void> {
  if (assertionIds.length === 0) return;
  // The job id makes a retried issuing job's second enqueue a no-op.
  await queues.render.addBulk(
    assertionIds.map((assertionId) => ({
      name: 'render' as const,
      data: { org, requestedBy, assertionId, fresh: true },
      opts: { priority, jobId: renderJobId(assertionId) },
    })),
  );
}
