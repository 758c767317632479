import type { Job } from 'bullmq';
import type { BulkJob, BulkResult } from '../issuance/issuance-jobs.js';
import type { BulkCompletedData, RenderData } from './event-types.js';
import type { EventInput } from './notifier.js';

/** Event inputs for job outcomes: a bulk's completion, a render's result. */
export function bulkCompletedEvent(job: Job<BulkJob['data']>, result: BulkResult): EventInput {
  const bulkId = String(job.id);
  const data: BulkCompletedData = {
    bulk_id: bulkId,
    credential_id: job.data.credentialId,
    issued: result.issued.length,
    skipped: result.skipped.length,
    failed: result.failed.length,
  };
  return { id: `evt_bulk_${bulkId}`, type: 'bulk.completed', org: job.data.org, subject: bulkId, data };
}

export function renderEvent(
  org: string,
  assertionId: string,
  outcome: { files: string[] } | { reason: string },
): EventInput {
  const data: RenderData = { assertion_id: assertionId, ...outcome };
  return { type: 'files' in outcome ? 'render.completed' : 'render.failed', org, subject: assertionId, data };
}
