import type { Principal } from '../auth/principal.js';
import { isPlatformAdmin } from '../auth/permissions.js';
import type { Db } from '../db/database.js';
import { ForbiddenError, isRefusal } from '../errors.js';
import type { BulkUserInput } from './bulk-plan.js';
import type { IssueRequests } from './issue-requests.js';

/**
 * Issuing signals: an LMS says "these users completed course X" and every credential of the org
 * whose `issuing_signal` matches (and whose course/program match, when given) is issued to them
 * through the ordinary bulk jobs. Repeating a signal issues nothing new: holders are skipped.
 */
export interface SignalInput {
  signal: string;
  course?: string;
  program?: string;
  users: BulkUserInput[];
}

export interface TriggeredIssuance {
  credential: string;
  name: string;
  job_id: string | null;
  status_url: string | null;
  /** When nothing needed queueing (every entry was invalid): the result right away. */
  result?: unknown;
  /** When this credential could not be issued at all. */
  error?: string;
}

export function signalService(deps: { db: Db; issueRequests: IssueRequests }) {
  const { db, issueRequests: requests } = deps;
  return {
    async trigger(
      p: Principal,
      org: string,
      input: SignalInput,
    ): Promise<{ signal: string; triggered: TriggeredIssuance[] }> {
      if (!isPlatformAdmin(p)) throw new ForbiddenError('Only platform admins send issuing signals.');
      let q = db
        .selectFrom('credentials')
        .select(['id', 'name'])
        .where('org', '=', org)
        .where('issuing_signal', '=', input.signal)
        .where('deleted_at', 'is', null);
      if (input.course !== undefined) q = q.where('course', '=', input.course);
      if (input.program !== undefined) q = q.where('program', '=', input.program);
      const credentials = await q.orderBy('created_at').execute();
      const triggered: TriggeredIssuance[] = [];
      for (const c of credentials) {
        let r: Awaited<ReturnType<IssueRequests['issueBulk']>>;
        try {
          r = await requests.issueBulk(
            p,
            org,
            c.id,
            { users: input.users, ...(input.course && { course: input.course }) },
            undefined,
            { waitMs: 0 },
          );
        } catch (err) {
          // One credential that cannot be issued (its issuer retired, say) must not hide the jobs
          // already queued for the others, nor stop the ones after it.
          if (!isRefusal(err)) throw err;
          triggered.push({ credential: c.id, name: c.name, job_id: null, status_url: null, error: err.message });
          continue;
        }
        const queued = r.status === 202 ? (r.result as { job_id: string; status_url: string }) : undefined;
        triggered.push({
          credential: c.id,
          name: c.name,
          job_id: queued?.job_id ?? null,
          status_url: queued?.status_url ?? null,
          ...(!queued && { result: r.result }),
        });
      }
      return { signal: input.signal, triggered };
    },
  };
}
