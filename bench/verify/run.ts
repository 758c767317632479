/**
 * Verification throughput on loopback, in one run:
 *   1. baseline: a bare Express app serving a static JSON body of the same size as the public assertion JSON;
 *   2. the public assertion JSON (`GET /api/credentials/public/assertions/{id}/`, Accept: application/json);
 *   3. `POST /api/credentials/public/verify` with `{"jwt"}`: full verifications per second.
 * Each is driven by autocannon for a bounded duration; the figure is the ratio to the baseline.
 *
 *   npx tsx bench/verify/run.ts [seconds=5] [connections=50]
 *
 * The all-in-one service runs in this process (embedded PGlite and redis-server; no render
 * worker is needed). DATABASE_URL=postgres://… runs it against PostgreSQL instead.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import express from 'express';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startService } from '../../src/service.js';
import { freePort } from '../../src/embedded/redis-server.js';

const SECONDS = Number(process.argv[2] ?? 5);
const CONNECTIONS = Number(process.argv[3] ?? 50);

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Cannon = (opts: Record<string, unknown>) => Promise<CannonResult>;
// autocannon ships no type declarations.
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

async function load(name: string, opts: Record<string, unknown>) {
  // The load generator runs in a worker thread, so it does not compete with the server for the event loop.
  const r = await autocannon({ connections: CONNECTIONS, duration: SECONDS, pipelining: 1, workers: 1, ...opts });
  const line = {
    name,
    'req/s': Math.round(r.requests.average),
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
    total: r.requests.total,
    'non-2xx': r.non2xx,
    errors: r.errors + r.timeouts,
  };
  console.log(JSON.stringify(line));
  return line;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bw-bench-verify-'));
  const adminToken = 'bw_bench_' + randomBytes(16).toString('hex');
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'silent',
    ISSUE_WAIT_MS: '30000',
    ...(process.env.DATABASE_URL && { DATABASE_URL: process.env.DATABASE_URL }),
  });
  const svc = await startService({ config, api: true, workers: true, logger: createLogger('silent') });
  const base = svc.url!;
  const call = async (method: string, p: string, body?: unknown, token = adminToken) => {
    const res = await fetch(base + p, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  let baseline: ReturnType<typeof express.application.listen> | undefined;
  try {
    await call('POST', '/api/admin/orgs', { org: 'bench', name: 'Bench' });
    await call('PUT', '/api/admin/orgs/bench/users/admin', { role: 'platform_admin' });
    await call('PUT', '/api/admin/orgs/bench/users/u1', { role: 'student', email: 'u1@example.org', name: 'User One' });
    const token = (await call('POST', '/api/admin/orgs/bench/users/admin/tokens')).body.result.token as string;
    const t = '/api/credentials/orgs/bench/users/admin';
    const issuer = (
      await call(
        'POST',
        `${t}/issuers/`,
        { name: 'Bench Issuer', url: 'https://bench.example.org', email: 'b@bench.example.org' },
        token,
      )
    ).body.result.entityId;
    const credential = (
      await call(
        'POST',
        `${t}/`,
        { name: 'Bench badge', description: 'Benchmark credential', issuer, criteria_text: 'Run the bench.' },
        token,
      )
    ).body.result.entityId;
    const assertion = (await call('POST', `${t}/${credential}/assertions/`, { recipient: { user_id: 'u1' } }, token))
      .body.result;
    const jwt = await (await fetch(assertion.credential_jwt)).text();
    const publicUrl = `${base}/api/credentials/public/assertions/${assertion.entityId}/`;
    const publicBody = await (await fetch(publicUrl, { headers: { accept: 'application/json' } })).text();
    const check = (await (
      await fetch(`${base}/api/credentials/public/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jwt }),
      })
    ).json()) as { verified: boolean };
    if (!check.verified) throw new Error('the bench credential does not verify');

    // Baseline: the same bytes from a bare Express app, in this same process.
    const staticBody = publicBody;
    const app = express();
    app.get('/static.json', (_req, res) => {
      res.type('application/json').send(staticBody);
    });
    baseline = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const baselineUrl = `http://127.0.0.1:${(baseline.address() as AddressInfo).port}/static.json`;

    console.log(
      `verify bench: ${SECONDS}s per run, ${CONNECTIONS} connections, JSON body ${Buffer.byteLength(publicBody)} bytes, db ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`,
    );
    // A short warm-up of each path (JIT, connection pools, caches) before the measured runs.
    for (const url of [baselineUrl, publicUrl])
      await autocannon({ url, connections: 10, duration: 1, headers: { accept: 'application/json' } });

    const b = await load('baseline: static JSON (bare Express)', { url: baselineUrl });
    const floor = await load('service floor: GET /healthz (same middleware, no DB)', { url: `${base}/healthz` });
    const p = await load('public assertion JSON', { url: publicUrl, headers: { accept: 'application/json' } });
    const v = await load('POST /verify {jwt}', {
      url: `${base}/api/credentials/public/verify`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jwt }),
    });
    console.log(
      JSON.stringify({
        'public JSON / baseline (req/s)': +(p['req/s'] / b['req/s']).toFixed(3),
        'service floor / baseline (req/s)': +(floor['req/s'] / b['req/s']).toFixed(3),
        'verifications/s': v['req/s'],
        'verify / baseline (req/s)': +(v['req/s'] / b['req/s']).toFixed(3),
        target: 'public JSON >= 0.5 of baseline',
      }),
    );
  } finally {
    baseline?.close();
    await svc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
