import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { sendEnvelope } from '../envelope.js';
import type { Runtime } from '../../runtime.js';
import { MAX_BULK_USERS } from '../../issuance/bulk-plan.js';

export function signalRoutes(rt: Runtime): RouteDef[] {
  const { signals } = rt.services;
  return [
    defineRoute({
      method: 'post',
      path: '/api/credentials/orgs/{org}/users/{user_id}/signals',
      summary:
        'Issuing signal (e.g. course_completed): issues every credential whose issuing_signal matches to the users',
      tag: 'assertions',
      auth: 'tenant',
      params: z.object({ org: z.string(), user_id: z.string() }),
      body: z.object({
        signal: z.string().trim().min(1).max(255),
        course: z.string().min(1).max(255).optional(),
        program: z.string().min(1).max(255).optional(),
        users: z
          .array(z.union([z.string(), z.record(z.string(), z.unknown())]))
          .min(1, 'users must not be empty')
          .max(MAX_BULK_USERS),
      }),
      bodyLimit: '25mb',
      responses: {
        200: 'Nothing to issue',
        202: 'Queued: {signal, triggered: [{credential, name, job_id, status_url}]}',
        403: 'Not a platform admin',
      },
      async handler({ params, body, principal, res }) {
        const r = await signals.trigger(principal, params.org, body);
        sendEnvelope(res, r, 'Ok', r.triggered.some((t) => t.job_id) ? 202 : 200);
      },
    }),
  ];
}
