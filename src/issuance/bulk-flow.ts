import type { QueueSet } from '../queue/queue-set.js';
import { JOB_OPTIONS } from '../queue/job-options.js';
import { QUEUE_NAMES, type JobOwner } from '../queue/queues.js';
import { BULK_CHUNK_SIZE, chunksOf } from './bulk-plan.js';
import type { AwardDetails, BulkChunkJob, BulkEntry, BulkJob, BulkResult } from './issuance-jobs.js';

/**
 * Queues a bulk issue as a BullMQ flow: a parent job `parentId` that runs once all its chunk jobs
 * (`{parentId}.c{n}`, BULK_CHUNK_SIZE entries each) are done and merges their results.
 */
export async function queueBulkFlow(
  queues: QueueSet,
  parentId: string,
  bulk: {
    owner: JobOwner;
    credentialId: string;
    entries: BulkEntry[];
    rejected: BulkResult['failed'];
    claimLinks?: boolean;
  },
  award: AwardDetails,
): Promise<void> {
  const { owner, credentialId, entries } = bulk;
  const chunks = chunksOf(entries, BULK_CHUNK_SIZE);
  const parentData: BulkJob['data'] = {
    ...owner,
    credentialId,
    total: entries.length,
    chunkSize: BULK_CHUNK_SIZE,
    chunks: chunks.length,
    rejected: bulk.rejected,
    ...(bulk.claimLinks && { claimLinks: true }),
  };
  await queues.flows.add({
    name: 'bulk',
    queueName: QUEUE_NAMES.issuance,
    data: parentData,
    // Flow jobs do not take the queue's defaults.
    opts: { ...JOB_OPTIONS.issuance, jobId: parentId },
    children: chunks.map((chunkEntries, chunkIndex) => {
      const data: BulkChunkJob['data'] = {
        ...owner,
        credentialId,
        bulkId: parentId,
        chunkIndex,
        chunkSize: BULK_CHUNK_SIZE,
        total: entries.length,
        entries: chunkEntries,
        award,
      };
      return {
        name: 'bulk-chunk',
        queueName: QUEUE_NAMES.issuance,
        data,
        // A chunk that keeps failing is reported per user by the parent instead of blocking it.
        opts: { ...JOB_OPTIONS.issuance, jobId: `${parentId}.c${chunkIndex}`, ignoreDependencyOnFailure: true },
      };
    }),
  });
}
