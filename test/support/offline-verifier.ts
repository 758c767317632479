import { readFileSync } from 'node:fs';
import { vi } from 'vitest';

/**
 * verifier-core (the Learner Credential Wallet's verifier) fetches what it needs: our did:web
 * documents and status lists over https, and the OB 3.0 JSON schema. Offline, this answers those
 * from the service under test (over http) and the bundled schema; anything else is a 404.
 * Callers undo it with `vi.unstubAllGlobals()`.
 */
const OB_SCHEMA_URL = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';
const OB_SCHEMA = new URL(
  '../../src/openbadges/schemas/json/ob_v3p0_achievementcredential_schema.json',
  import.meta.url,
);
const realFetch = globalThis.fetch;

export function fetchOnlyFrom(serviceUrl: string): void {
  const origin = new URL(serviceUrl).host;
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    if (req.url === OB_SCHEMA_URL) return new Response(readFileSync(OB_SCHEMA));
    const url = new URL(req.url);
    if (url.host !== origin) return new Response('offline', { status: 404 });
    url.protocol = 'http:';
    return realFetch(url, { headers: req.headers });
  });
}

/** verifier-core's result log as `{step id: valid}`. */
export type Steps = Record<string, boolean | undefined>;
export const stepsOf = (r: { log?: Array<{ id: string; valid?: boolean }> }): Steps =>
  Object.fromEntries((r.log ?? []).map((s) => [s.id, s.valid]));
