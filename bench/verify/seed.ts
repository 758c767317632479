import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { apiCaller } from '../api-call.js';

export interface VerifyBenchCredential {
  assertionId: string;
  jwt: string;
  publicUrl: string;
  pageUrl: string;
  /** The public assertion JSON as the service answers it (the baseline serves the same bytes). */
  publicBody: string;
}

/**
 * One org (`org`: new per run where the database may hold an earlier run's), its admin and a
 * student, an issuer, a credential and one assertion issued to the student, through the API.
 */
export async function seedVerifyCredential(
  base: string,
  adminToken: string,
  org: string,
): Promise<VerifyBenchCredential> {
  const api = apiCaller(base, adminToken);
  const call = async (method: string, p: string, body?: unknown, token?: string) =>
    (await api(method, p, body, token)).body;
  await call('POST', '/api/admin/orgs', { org, name: 'Bench' });
  await call('PUT', `/api/admin/orgs/${org}/users/admin`, { role: 'platform_admin' });
  await call('PUT', `/api/admin/orgs/${org}/users/u1`, { role: 'student', email: 'u1@example.org', name: 'User One' });
  const token = (await call('POST', `/api/admin/orgs/${org}/users/admin/tokens`)).result.token as string;
  const t = `/api/credentials/orgs/${org}/users/admin`;
  const issuerBody = { name: 'Bench Issuer', url: 'https://bench.example.org', email: 'b@bench.example.org' };
  const issuer = (await call('POST', `${t}/issuers/`, issuerBody, token)).result.entityId;
  const credentialBody = { name: 'Bench badge', description: 'Benchmark credential', issuer, criteria_text: 'Run it.' };
  const credential = (await call('POST', `${t}/`, credentialBody, token)).result.entityId;
  const assertion = (await call('POST', `${t}/${credential}/assertions/`, { recipient: { user_id: 'u1' } }, token))
    .result;
  const publicUrl = `${base}/api/credentials/public/assertions/${assertion.entityId}/`;
  return {
    assertionId: assertion.entityId,
    jwt: await (await fetch(assertion.credential_jwt)).text(),
    publicUrl,
    pageUrl: `${base}/v/${assertion.entityId}`,
    publicBody: await (await fetch(publicUrl, { headers: { accept: 'application/json' } })).text(),
  };
}

/** The baseline: a bare Express app in this process serving `body` as static JSON. */
export async function staticBaseline(body: string): Promise<{ server: Server; url: string }> {
  const app = express();
  app.get('/static.json', (_req, res) => void res.type('application/json').send(body));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/static.json` };
}
