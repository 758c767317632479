import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { sendEnvelope } from '../envelope.js';
import type { Runtime } from '../../runtime.js';
import { getJobStatus } from '../../queue/job-status.js';

export function jobRoutes(rt: Runtime): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/credentials/orgs/{org}/users/{user_id}/jobs/{job_id}',
      summary: 'Status of a queued job (issuance, bulk issuance, signals): state, progress, result',
      tag: 'jobs',
      auth: 'tenant',
      params: z.object({ org: z.string(), user_id: z.string(), job_id: z.string().max(200) }),
      responses: { 200: 'Ok', 404: 'Unknown job' },
      async handler({ params, principal, res }) {
        sendEnvelope(res, await getJobStatus(rt.queues, params.org, principal, params.job_id));
      },
    }),
  ];
}
