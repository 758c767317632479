/**
 * Issuance throughput: a 10,000-user bulk against the all-in-one service (embedded PGlite and
 * redis-server, API and workers in this process), next to the baseline of issuing users one
 * request at a time, and a bulk with both proofs (Data Integrity + VC-JWT) next to the same bulk
 * signed as VC-JWTs only (issue 14), and issue 18's goal row (>= 2,000 awards/s). Rendering is
 * excluded: no render worker runs, render jobs just queue up.
 *
 *   npx tsx bench/issuance/run.ts [bulkUsers=10000] [baselineUsers=300]
 *   npx tsx bench/issuance/run.ts --quick   # a few seconds: a 1,000-user VC-JWT bulk next to 30 single
 *                                           # issues; exit 1 on a gross regression (ratio < QUICK_FLOOR)
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
import { apiCaller } from '../api-call.js';
import { freePort } from '../../src/embedded/redis-server.js';

const QUICK = process.argv.includes('--quick');
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const BULK = QUICK ? 1000 : Number(args[0] ?? 10_000);
const BASELINE = QUICK ? 30 : Number(args[1] ?? 300);
/**
 * --quick fails below this bulk / one-at-a-time throughput ratio. Measured on the 2-core host at
 * load 6 (2026-12-04): 60–67x (a single issue is a queue round trip, ~60–75 ms; the 1,000-user bulk
 * about 1 s). A bulk that lost its batching (an award per job or per transaction) falls towards
 * 1x; 10x catches that and leaves a slow CI host a wide margin.
 */
const QUICK_FLOOR = 10;

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
  const call = apiCaller(base, adminToken);

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
    const newIssuer = async (name: string, proofFormats: string[]) =>
      (
        await call(
          'POST',
          `${t}/issuers/`,
          { name, url: 'https://bench.example.org', email: 'b@bench.example.org', proof_formats: proofFormats },
          token,
        )
      ).body.result.entityId as string;
    // Issue 14: the same bulk by an issuer signing VC-JWTs only, and by one adding a Data Integrity proof.
    const jwtOnlyIssuer = await newIssuer('Bench Issuer (VC-JWT only)', ['vc-jwt']);
    // --quick measures the VC-JWT bulk only (the Data Integrity issuer's warm-up alone starts the signing threads).
    const issuer = QUICK ? jwtOnlyIssuer : await newIssuer('Bench Issuer', ['data-integrity', 'vc-jwt']);
    const newCredential = async (name: string, by = issuer) =>
      (
        await call(
          'POST',
          `${t}/`,
          { name, description: 'Benchmark credential', issuer: by, criteria_text: 'Run the bench.' },
          token,
        )
      ).body.result.entityId as string;

    // Warm-up: key decryption and import, schema caches, first connections.
    for (const by of new Set([issuer, jwtOnlyIssuer])) {
      const warm = await newCredential('Warm-up', by);
      await call('POST', `${t}/${warm}/assertions/`, { recipient: { user_id: 'u0' } }, token);
    }

    // Baseline: the same work, one request (one job) at a time.
    const single = await newCredential('One at a time');
    const t0 = performance.now();
    for (let i = 0; i < BASELINE; i++) {
      const r = await call('POST', `${t}/${single}/assertions/`, { recipient: { user_id: `u${BULK + i}` } }, token);
      if (r.status !== 201) throw new Error(`baseline: expected 201, got ${r.status}`);
    }
    const baselineSeconds = (performance.now() - t0) / 1000;
    const baselineRate = BASELINE / baselineSeconds;

    const runBulk = async (label: string, by: string) => {
      const bulk = await newCredential(label, by);
      const t1 = performance.now();
      const cpu0 = process.cpuUsage();
      let r = await call(
        'POST',
        `${t}/${bulk}/assertions/bulk/`,
        { users: users.slice(0, BULK).map((u) => u.user_id) },
        token,
      );
      // Past the API's wait bound the answer is 202 and the job's URL: the bulk is done when the job is.
      while (r.status === 202) {
        await new Promise((done) => setTimeout(done, 250));
        const job = (await call('GET', new URL(r.body.status_url, base).pathname, undefined, token)).body.result;
        if (job.state === 'failed') throw new Error(`bulk job failed: ${job.failedReason}`);
        if (job.state === 'completed') r = { status: 201, body: job.result };
      }
      const seconds = (performance.now() - t1) / 1000;
      const used = process.cpuUsage(cpu0);
      // This process's CPU time (API, worker, PGlite): on a shared machine wall time also counts others' work.
      const cpuSeconds = (used.user + used.system) / 1e6;
      const issued = (r.body.issued ?? []).length;
      if (r.status !== 201 || issued !== BULK) {
        throw new Error(`bulk: expected ${BULK} issued, got ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      }
      const stored = (await call('GET', `${t}/${bulk}/assertions/?page_size=1`, undefined, token)).body.count;
      return { seconds, cpuSeconds, rate: BULK / seconds, stored };
    };
    const jwtOnly = await runBulk('Bulk (VC-JWT only)', jwtOnlyIssuer);
    if (QUICK) return quickVerdict(svc.runtime.dbKind, baselineRate, jwtOnly);
    const both = await runBulk('Bulk (Data Integrity + VC-JWT)', issuer);

    const db = svc.runtime.dbKind;
    const cores = os.availableParallelism();
    console.log(
      `issuance bench (${db}, ${cores} cores, worker concurrency ${config.workerConcurrency}; rendering excluded)`,
    );
    console.log(
      `  baseline  ${String(BASELINE).padStart(6)} users one request at a time: ${baselineSeconds.toFixed(2)} s  ${baselineRate.toFixed(0).padStart(6)} assertions/s`,
    );
    for (const [label, r] of [
      ['bulk JWT ', jwtOnly],
      ['bulk both', both],
    ] as const) {
      console.log(
        `  ${label} ${String(BULK).padStart(6)} users in one request:         ${r.seconds.toFixed(2)} s  ${r.rate.toFixed(0).padStart(6)} assertions/s  (${r.stored} stored; ${r.cpuSeconds.toFixed(2)} s CPU)`,
      );
    }
    console.log(
      `  ratio     bulk / baseline = ${(both.rate / baselineRate).toFixed(1)}x; target: ${BULK} in < 10 s -> ${both.seconds < 10 ? 'met' : 'NOT met'}`,
    );
    // Issue 18's goal row: scaled to BULK users at the same rate (10,000 in <= 5 s).
    const goalSeconds = BULK / 2000;
    for (const [label, r] of [
      ['VC-JWT only', jwtOnly],
      ['both proofs', both],
    ] as const) {
      console.log(
        `  goal      issue 18, ${label}: ${r.rate.toFixed(0)} awards/s, target >= 2000/s (${BULK} in <= ${goalSeconds.toFixed(2)} s) -> ${r.rate >= 2000 ? 'met' : 'NOT met'}`,
      );
    }
    const proofCost = both.seconds / jwtOnly.seconds;
    console.log(
      `  ratio     both proofs / VC-JWT only = ${proofCost.toFixed(2)}x; target <= 2x -> ${proofCost <= 2 ? 'met' : 'NOT met'}`,
    );
    console.log(
      `  ratio     (CPU time) both proofs / VC-JWT only = ${(both.cpuSeconds / jwtOnly.cpuSeconds).toFixed(2)}x`,
    );
  } finally {
    await svc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The --quick answer: one line per measurement and the verdict (sets the exit code). */
function quickVerdict(db: string, baselineRate: number, bulk: { seconds: number; rate: number; cpuSeconds: number }) {
  const ratio = bulk.rate / baselineRate;
  const load = os.loadavg().map((l) => l.toFixed(2));
  console.log(`issuance bench (${db}, quick mode, load avg ${load.join(' ')}; rendering excluded)`);
  console.log(`  baseline  ${BASELINE} users one request at a time: ${baselineRate.toFixed(0)} assertions/s`);
  console.log(
    `  bulk JWT  ${BULK} users in one request: ${bulk.seconds.toFixed(2)} s, ${bulk.rate.toFixed(0)} assertions/s (${bulk.cpuSeconds.toFixed(2)} s CPU)`,
  );
  const failed = ratio < QUICK_FLOOR;
  console.log(
    `quick check: bulk / baseline ${ratio.toFixed(1)}x (floor ${QUICK_FLOOR}x) ${failed ? 'REGRESSION' : 'ok'}`,
  );
  if (failed) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
