import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { sendEnvelope } from '../envelope.js';
import type { Runtime } from '../../runtime.js';
import { getJobStatus, type JobStatus } from '../../queue/job-status.js';
import { isErrorCode, NotFoundError } from '../../errors.js';
import { httpStatusOf } from '../error-status.js';

const JOB_ID = /^((issue|bulk)-[0-9a-f-]{36,40}(\.c\d{1,6})?|\d{1,20})$/;

/** A job's refusal is stored by code; clients read it as `{error: {status, message}}`. */
function withHttpStatus(job: JobStatus): JobStatus {
  const result = job.result as { error?: { code?: unknown; message?: unknown } } | null;
  const error = result?.error;
  if (!error || !isErrorCode(error.code)) return job;
  return { ...job, result: { ...result, error: { status: httpStatusOf(error.code), message: error.message } } };
}

export function jobRoutes(rt: Runtime): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/credentials/orgs/{org}/users/{user_id}/jobs/{job_id}',
      summary:
        'Status of a queued job (issuance, bulk issuance, signals): state, progress (bulks: users done, ' +
        'issued, rendered, failed_renders), result; a finished bulk that asked for claim_links has them in its ' +
        'result (issue 15)',
      tag: 'jobs',
      auth: 'tenant',
      // The shapes the service hands out (issue-…, bulk-…, bulk-….cN, or BullMQ's own numbers):
      // anything else would name one of the queue's own Redis keys ("events", "id", "x:lock"…).
      params: z.object({ org: z.string(), user_id: z.string(), job_id: z.string().max(200) }),
      responses: { 200: 'Ok', 404: 'Unknown job' },
      async handler({ params, principal, res }) {
        if (!JOB_ID.test(params.job_id)) throw new NotFoundError(`Job "${params.job_id}" does not exist.`);
        const claimLinks = (credentialId: string, users: string[]) =>
          rt.services.claimAnswers.bulk(params.org, credentialId, users);
        const status = await getJobStatus(
          rt.queues,
          params.org,
          principal,
          params.job_id,
          rt.repos.bulkRenderRepo,
          claimLinks,
        );
        sendEnvelope(res, withHttpStatus(status));
      },
    }),
  ];
}
