import type { Job } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Runtime } from '../runtime.js';
import type { BulkChunkJob, BulkJob, IssuanceJob, IssueJob, PingJob } from '../issuance/issuance-jobs.js';
import { runBulkChunk, runBulkParent } from '../issuance/bulk-jobs.js';
import { bulkCompletedEvent } from '../events/job-events.js';

/** Dispatches issuance-queue jobs by name to the services that do the work. */
export function issuanceProcessor(rt: Runtime) {
  const service = rt.services.issuance;
  return async (job: Job): Promise<IssuanceJob['result']> => {
    switch (job.name as IssuanceJob['name']) {
      case 'ping':
        return ping(job.data as PingJob['data']);
      case 'issue':
        return service.issueOne(job.data as IssueJob['data'], String(job.id));
      case 'bulk-chunk':
        return runBulkChunk(service, rt.queues.issuance, job as Job<BulkChunkJob['data']>);
      case 'bulk': {
        const result = await runBulkParent(rt.queues.issuance, job as Job<BulkJob['data']>);
        // Issue 16: one `bulk.completed` per bulk (its id is the bulk's, so a retried parent adds none).
        await rt.notifier.emit(rt.db, [bulkCompletedEvent(job as Job<BulkJob['data']>, result)]);
        return result;
      }
      default:
        throw new Error(`Unknown issuance job "${job.name as string}"`);
    }
  };
}

async function ping(data: PingJob['data']): Promise<PingJob['result']> {
  if (data.delayMs) await sleep(data.delayMs);
  return { pong: data.message, worker: process.pid };
}
