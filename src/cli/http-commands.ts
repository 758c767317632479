import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseCsvRecipients } from '../issuance/csv-recipients.js';
import { ApiError, apiClient, resolveTarget, type ApiClient, type TargetOptions } from './api-client.js';
import { progressReporter, type BulkProgress } from './progress-line.js';
import { UsageError } from './usage-error.js';

/** The options the HTTP commands read (parsed by cli.ts with the others). */
export interface HttpCommandOptions extends TargetOptions {
  name?: string;
  email?: string;
  description?: string;
  website?: string;
  icon?: string;
  issuer?: string;
  html?: string;
  css?: string;
  criteria?: string;
  credential?: string;
  'user-id'?: string;
  csv?: string;
  course?: string;
  reason?: string;
  all?: boolean;
  json?: boolean;
  'skip-renders'?: boolean;
  interval?: string;
}

/** Commands that manage a running service through its API (src/cli/api-client.ts). */
export const HTTP_COMMANDS = [
  'issuers create',
  'credentials create',
  'issue',
  'revoke',
  'tokens list',
  'tokens revoke',
] as const;
type HttpCommand = (typeof HTTP_COMMANDS)[number];

export function isHttpCommand(name: string): name is HttpCommand {
  return (HTTP_COMMANDS as readonly string[]).includes(name);
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

export async function runHttpCommand(name: HttpCommand, o: HttpCommandOptions, args: string[]): Promise<void> {
  // Resolved on first use: a usage error is told before a missing token is.
  let client: ApiClient | undefined;
  const api = (): ApiClient => (client ??= apiClient(resolveTarget(o)));
  switch (name) {
    case 'issuers create': {
      const body = {
        name: need(o.name, '--name'),
        ...(o.email && { email: o.email }),
        ...(o.website && { url: o.website }),
        ...(o.icon && { iconImage: o.icon }),
        ...(o.description && { description: o.description }),
      };
      const r = await api().call('POST', `${api().tenant}/issuers/`, body);
      return o.json ? print(JSON.stringify(r.body.result)) : print(`created issuer ${r.body.result.entityId}`);
    }
    case 'credentials create': {
      const body = {
        name: need(o.name, '--name'),
        issuer: need(o.issuer, '--issuer'),
        ...(o.description && { description: o.description }),
        ...(o.criteria && { criteria_text: o.criteria }),
        ...(o.html && { html_template: readFileSync(o.html, 'utf8') }),
        ...(o.css && { css_template: readFileSync(o.css, 'utf8') }),
      };
      const r = await api().call('POST', `${api().tenant}/`, body);
      return o.json ? print(JSON.stringify(r.body.result)) : print(`created credential ${r.body.result.entityId}`);
    }
    case 'issue':
      return o.csv ? issueCsv(api, o) : issueOne(api, o);
    case 'revoke': {
      const id = need(args[0], '<assertion>');
      const r = await api().call('PUT', `${api().tenant}/assertions/${encodeURIComponent(id)}`, {
        revoked: true,
        revocationReason: need(o.reason, '--reason'),
      });
      return o.json ? print(JSON.stringify(r.body.result)) : print(`revoked ${id}`);
    }
    case 'tokens list': {
      const q = new URLSearchParams({
        ...(o['user-id'] && { user_id: o['user-id'] }),
        ...(o.all && { include_revoked: 'true' }),
      });
      const r = await api().call('GET', `/api/admin/orgs/${encodeURIComponent(api().target.org)}/tokens?${q}`);
      const rows = r.body.result as {
        id: string;
        user_id: string;
        created_at: string;
        last_used_at: string | null;
        revoked_at: string | null;
      }[];
      if (o.json) return print(JSON.stringify(rows));
      print(['ID'.padEnd(36), 'USER'.padEnd(20), 'CREATED'.padEnd(24), 'REVOKED'].join('  '));
      for (const t of rows)
        print([t.id.padEnd(36), t.user_id.padEnd(20), t.created_at.padEnd(24), t.revoked_at ?? '-'].join('  '));
      return;
    }
    case 'tokens revoke': {
      const id = need(args[0], '<token_id>');
      await api().call('DELETE', `/api/admin/tokens/${encodeURIComponent(id)}`);
      return print(`revoked token ${id}`);
    }
  }
}

/** One recipient: 201 issued, 200 already held, 202 still running (the job is polled). */
async function issueOne(api: () => ApiClient, o: HttpCommandOptions): Promise<void> {
  const credential = need(o.credential, '--credential');
  if (!o.email && !o['user-id']) throw new UsageError('missing --email or --user-id (or --csv FILE)');
  const recipient = {
    ...(o['user-id'] && { user_id: o['user-id'] }),
    ...(o.email && { email: o.email }),
    ...(o.name && { name: o.name }),
  };
  const body = { recipient, ...(o.course && { course: o.course }) };
  const r = await api().call('POST', `${api().tenant}/${encodeURIComponent(credential)}/assertions/`, body);
  if (r.status !== 202) {
    if (o.json) return print(JSON.stringify(r.body.result));
    return print(`${r.status === 201 ? 'issued' : 'already held'} ${r.body.result.entityId}`);
  }
  const job = await pollJob(api, r.body.result.job_id, o, () => undefined, false);
  const result = job.result as { assertionId: string; created: boolean };
  print(o.json ? JSON.stringify(result) : `${result.created ? 'issued' : 'already held'} ${result.assertionId}`);
}

/** A spreadsheet, parsed here (the service's own parser: errors name their line), posted as one bulk. */
async function issueCsv(api: () => ApiClient, o: HttpCommandOptions): Promise<void> {
  const credential = need(o.credential, '--credential');
  const users = parseCsvRecipients(readFileSync(o.csv!));
  const r = await api().call('POST', `${api().tenant}/${encodeURIComponent(credential)}/assertions/bulk/`, {
    users,
    ...(o.course && { course: o.course }),
  });
  const jobId = (r.body?.job_id as string | undefined) ?? /\/jobs\/([^/>]+)>/.exec(r.headers.get('link') ?? '')?.[1];
  if (!jobId) {
    // Nothing was queued (every row refused): the answer is final.
    return report(r.body, undefined, o);
  }
  const bar = progressReporter(process.stderr);
  let job: JobStatus;
  try {
    job = await pollJob(api, decodeURIComponent(jobId), o, (p) => bar.update(p), !o['skip-renders']);
  } finally {
    bar.end();
  }
  report(job.result as BulkAnswer, job.progress, o);
}

interface JobStatus {
  state: string;
  progress: (BulkProgress & { renders_finished?: boolean }) | undefined;
  result: unknown;
  failedReason: string | null;
}

interface BulkAnswer {
  issued: string[];
  skipped: string[];
  failed: { user: string; reason: string }[];
}

async function pollJob(
  api: () => ApiClient,
  jobId: string,
  o: HttpCommandOptions,
  onProgress: (p: BulkProgress) => void,
  untilRendered: boolean,
): Promise<JobStatus> {
  const every = Math.max(100, Number(o.interval ?? 500));
  for (;;) {
    const r = await api().call('GET', `${api().tenant}/jobs/${encodeURIComponent(jobId)}`);
    const job = r.body.result as JobStatus;
    if (job.progress && typeof job.progress === 'object') onProgress(job.progress);
    if (job.state === 'failed') throw new ApiError(0, `job ${jobId} failed: ${job.failedReason ?? 'unknown reason'}`);
    if (job.state === 'completed' && (!untilRendered || job.progress?.renders_finished)) return job;
    await sleep(every);
  }
}

function report(result: BulkAnswer, progress: JobStatus['progress'], o: HttpCommandOptions): void {
  if (o.json) return print(JSON.stringify({ ...result, ...(progress && { progress }) }));
  const renders =
    progress?.rendered !== undefined
      ? `, rendered ${progress.rendered}${progress.failed_renders ? `, failed renders ${progress.failed_renders}` : ''}`
      : '';
  print(`issued ${result.issued.length}, skipped ${result.skipped.length}, failed ${result.failed.length}${renders}`);
  for (const f of result.failed) print(`failed: ${f.user}: ${f.reason}`);
}
