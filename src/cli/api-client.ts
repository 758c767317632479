import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The CLI's HTTP side: the commands that manage a running service call its API, the contract
 * every other client uses, with a bearer token. Where and as whom: --url / BADGEWORKS_URL
 * (default http://localhost:3000), --token / BADGEWORKS_TOKEN (default: the first start's
 * DATA_DIR/admin-token), --org / BADGEWORKS_ORG and --as / BADGEWORKS_USER (default main / admin,
 * the bootstrap admin) for the tenant paths.
 */
export interface ApiTarget {
  url: string;
  token: string;
  org: string;
  user: string;
}

/** An answer of the API that is not a success, as one line: the status and what the API said. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A setting the CLI cannot work without (no token anywhere): told in one line, exit 1. */
export class CliSetupError extends Error {}

export interface TargetOptions {
  url?: string;
  token?: string;
  org?: string;
  as?: string;
}

export function resolveTarget(opts: TargetOptions, env: NodeJS.ProcessEnv = process.env): ApiTarget {
  const url = (opts.url ?? env.BADGEWORKS_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  let token = opts.token ?? env.BADGEWORKS_TOKEN;
  if (!token) {
    const file = path.resolve(env.DATA_DIR || './data', 'admin-token');
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch {
      throw new CliSetupError(`no API token: pass --token, set BADGEWORKS_TOKEN, or run where ${file} exists`);
    }
  }
  return { url, token, org: opts.org ?? env.BADGEWORKS_ORG ?? 'main', user: opts.as ?? env.BADGEWORKS_USER ?? 'admin' };
}

/** The one line an error body gives: its description, and the first validation error when it adds one. */
function errorLine(status: number, body: unknown): string {
  const b = body as { status?: { description?: string }; validationErrors?: string[]; data?: { message?: string } };
  const described = b?.status?.description ?? b?.data?.message ?? `HTTP ${status}`;
  const first = b?.validationErrors?.[0];
  const line = first && !described.includes(first) ? `${described} (${first})` : described;
  return `${status}: ${line.replace(/\s*\n\s*/g, ' ')}`;
}

export interface ApiAnswer {
  status: number;
  // JSON of many shapes, read field by field by each command.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Headers;
}

export function apiClient(target: ApiTarget) {
  const tenant = `/api/credentials/orgs/${encodeURIComponent(target.org)}/users/${encodeURIComponent(target.user)}`;
  async function call(method: string, p: string, body?: unknown): Promise<ApiAnswer> {
    // Absolute URLs (a status_url the service answered) only on the service's own origin: the
    // bearer token goes nowhere else.
    const url = /^https?:/.test(p) ? p : target.url + p;
    if (new URL(url).origin !== new URL(target.url).origin) {
      throw new Error(`Refusing to send the token to ${new URL(url).origin}: not ${new URL(target.url).origin}.`);
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${target.token}`,
          accept: 'application/json',
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(0, `cannot reach ${target.url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: kept as text for the error line
    }
    if (!res.ok) throw new ApiError(res.status, errorLine(res.status, parsed));
    return { status: res.status, body: parsed, headers: res.headers };
  }
  return { target, tenant, call };
}

export type ApiClient = ReturnType<typeof apiClient>;
