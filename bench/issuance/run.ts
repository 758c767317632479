/**
 * Issuance throughput: a 10,000-user bulk against the all-in-one service (embedded PGlite and
 * redis-server, API and workers in this process), next to the baseline of issuing users one
 * request at a time. Rendering is excluded: no render worker runs, render jobs just queue up.
 *
 *   npx tsx bench/issuance/run.ts [bulkUsers=10000] [baselineUsers=300]
 *
 * DATABASE_URL=postgres://… runs it against PostgreSQL instead of PGlite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startService } from '../../src/service.js';
import { freePort } from '../../src/embedded/redis-server.js';

const BULK = Number(process.argv[2] ?? 10_000);
const BASELINE = Number(process.argv[3] ?? 300);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bw-bench-issuance-'));
  const adminToken = 'bw_bench_' + randomBytes(16).toString('hex');
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'silent',
    // The bulk request waits for its result: its wall time is the bulk's sign+store time.
    ISSUE_WAIT_MS: '60000',
    WORKERS: 'issuance',
    ...(process.env.DATABASE_URL && { DATABASE_URL: process.env.DATABASE_URL }),
    ...(process.env.WORKER_CONCURRENCY && { WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY }),
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
    const json = text ? JSON.parse(text) : undefined;
    if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
    return { status: res.status, body: json };
  };

  try {
    await call('POST', '/api/admin/orgs', { org: 'bench', name: 'Bench' });
    await call('PUT', '/api/admin/orgs/bench/users/admin', { role: 'platform_admin' });
    const token = (await call('POST', '/api/admin/orgs/bench/users/admin/tokens')).body.result.token as string;
    const users = Array.from({ length: BULK + BASELINE }, (_, i) => ({
      user_id: `u${i}`,
      role: 'student',
      email: `u${i}@example.org`,
      name: `User ${i}`,
    }));
    for (let i = 0; i < users.length; i += 10_000)
      await call('POST', '/api/admin/orgs/bench/users', { users: users.slice(i, i + 10_000) });
    const t = `/api/credentials/orgs/bench/users/admin`;
    const issuer = (
      await call(
        'POST',
        `${t}/issuers/`,
        { name: 'Bench Issuer', url: 'https://bench.example.org', email: 'b@bench.example.org' },
        token,
      )
    ).body.result.entityId;
    const newCredential = async (name: string) =>
      (
        await call(
          'POST',
          `${t}/`,
          { name, description: 'Benchmark credential', issuer, criteria_text: 'Run the bench.' },
          token,
        )
      ).body.result.entityId as string;

    // Warm-up: key decryption and import, schema caches, first connections.
    const warm = await newCredential('Warm-up');
    await call('POST', `${t}/${warm}/assertions/`, { recipient: { user_id: 'u0' } }, token);

    // Baseline: the same work, one request (one job) at a time.
    const single = await newCredential('One at a time');
    const t0 = performance.now();
    for (let i = 0; i < BASELINE; i++) {
      const r = await call('POST', `${t}/${single}/assertions/`, { recipient: { user_id: `u${BULK + i}` } }, token);
      if (r.status !== 201) throw new Error(`baseline: expected 201, got ${r.status}`);
    }
    const baselineSeconds = (performance.now() - t0) / 1000;
    const baselineRate = BASELINE / baselineSeconds;

    const bulk = await newCredential('Bulk');
    const t1 = performance.now();
    const r = await call(
      'POST',
      `${t}/${bulk}/assertions/bulk/`,
      { users: users.slice(0, BULK).map((u) => u.user_id) },
      token,
    );
    const bulkSeconds = (performance.now() - t1) / 1000;
    if (r.status !== 201 || r.body.result.issued.length !== BULK) {
      throw new Error(`bulk: expected ${BULK} issued, got ${r.status} ${JSON.stringify(r.body.result).slice(0, 300)}`);
    }
    const bulkRate = BULK / bulkSeconds;
    const stored = (await call('GET', `${t}/${bulk}/assertions/?page_size=1`, undefined, token)).body.result.count;

    const db = svc.runtime.dbKind;
    const cores = os.availableParallelism();
    console.log(
      `issuance bench (${db}, ${cores} cores, worker concurrency ${config.workerConcurrency}; rendering excluded)`,
    );
    console.log(
      `  baseline  ${String(BASELINE).padStart(6)} users one request at a time: ${baselineSeconds.toFixed(2)} s  ${baselineRate.toFixed(0).padStart(6)} assertions/s`,
    );
    console.log(
      `  bulk      ${String(BULK).padStart(6)} users in one request:         ${bulkSeconds.toFixed(2)} s  ${bulkRate.toFixed(0).padStart(6)} assertions/s  (${stored} stored)`,
    );
    console.log(
      `  ratio     bulk / baseline = ${(bulkRate / baselineRate).toFixed(1)}x; target: ${BULK} in < 10 s -> ${bulkSeconds < 10 ? 'met' : 'NOT met'}`,
    );
  } finally {
    await svc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
