import type { Job } from 'bullmq';
import type { QueueSet } from '../queue/queue-set.js';
import type { BulkChunkJob, BulkJob, BulkResult } from './issuance-jobs.js';
import { mergeResults } from './bulk-plan.js';
import type { IssuanceService } from './issuance-service.js';

/**
 * The two job kinds of a bulk issue: chunks (children) do the work; the parent runs once they are
 * all done (BullMQ flow) and merges their results. Progress `{done, total}` is kept on the parent.
 */
type IssuanceQueue = QueueSet['issuance'];

const jobIdOf = (key: string) => key.slice(key.lastIndexOf(':') + 1);
const chunkIndexOf = (key: string) => Number(/\.c(\d+)$/.exec(key)?.[1] ?? Number.MAX_SAFE_INTEGER);

async function reportProgress(queue: IssuanceQueue, data: BulkChunkJob['data']): Promise<void> {
  const parent = await queue.getJob(data.bulkId);
  if (!parent) return;
  // This chunk is not counted as processed until its job completes, so it adds itself.
  const { processed = 0 } = await parent.getDependenciesCount({ processed: true });
  const done = Math.min(data.total, processed * data.chunkSize + data.entries.length);
  const previous =
    typeof parent.progress === 'object' && parent.progress !== null
      ? Number((parent.progress as { done?: number }).done ?? 0)
      : 0;
  if (done > previous) await parent.updateProgress({ done, total: data.total });
}

export async function runBulkChunk(
  service: IssuanceService,
  queue: IssuanceQueue,
  job: Job<BulkChunkJob['data']>,
): Promise<BulkResult> {
  const result = await service.issueChunk(job.data, String(job.id));
  // Progress is informative only: never fail (and so repeat) a chunk because it could not be reported.
  await reportProgress(queue, job.data).catch(() => undefined);
  return result;
}

export async function runBulkParent(queue: IssuanceQueue, job: Job<BulkJob['data']>): Promise<BulkResult> {
  const [values, ignored] = await Promise.all([job.getChildrenValues<BulkResult>(), job.getIgnoredChildrenFailures()]);
  const parts: { index: number; result: BulkResult }[] = Object.entries(values).map(([key, result]) => ({
    index: chunkIndexOf(key),
    result,
  }));
  for (const [key, reason] of Object.entries(ignored)) {
    const child = (await queue.getJob(jobIdOf(key))) as Job<BulkChunkJob['data']> | undefined;
    const users = child?.data.entries.map((e) => e.label) ?? [`chunk ${chunkIndexOf(key)}`];
    parts.push({
      index: chunkIndexOf(key),
      result: { issued: [], skipped: [], failed: users.map((user) => ({ user, reason: `Issuing failed: ${reason}` })) },
    });
  }
  parts.sort((a, b) => a.index - b.index);
  const merged = mergeResults([...parts.map((p) => p.result), { issued: [], skipped: [], failed: job.data.rejected }]);
  await job.updateProgress({ done: job.data.total, total: job.data.total });
  return merged;
}
