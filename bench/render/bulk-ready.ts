/**
 * After a bulk: how long until every certificate PDF and baked badge of it is in the store? Run
 * twice in one go, on the filesystem store and on an S3 store (s3rver, an S3-protocol server, in
 * its own process as MinIO would be; the client is the real AWS SDK), so the two compare on the
 * same machine under the same load. Each run: the all-in-one service (embedded PGlite and
 * redis-server, issuance and render workers in this process) issues one assertion (its PDF
 * stored: the baseline, which also warms the browser), then a bulk; the store is then watched
 * until N PDFs and N badges exist. Goal: S3 ≤ 1.3× the filesystem store.
 *
 * Printed: the wall-time ratio, the same with the S3 server's own CPU (measured on its process
 * group) taken off, and the ratio of this process's CPU. The server shares the bench's cores,
 * which a production store would not; Chromium's CPU is in neither process's figure.
 *
 * A store may carry `@N`, the render worker's RENDER_BATCH for that run (certificates per print when
 * the pool is busy; 1 = one print per certificate): `file@1,file@10` compares the two on one store.
 *
 *   npx tsx bench/render/bulk-ready.ts [users=1000] [stores=file,s3]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startService } from '../../src/service.js';
import { apiCaller } from '../api-call.js';
import { freePort } from '../../src/embedded/redis-server.js';
import type { FileStore } from '../../src/storage/file-store.js';
import { renderKey } from '../../src/rendering/render-files.js';
import { groupCpuMs } from './proc-stats.js';

const N = Number(process.argv[2] ?? 1000);
const STORES = (process.argv[3] ?? 'file,s3').split(',');
const S3_KEYS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

interface Run {
  store: string;
  single: number;
  issued: number;
  ready: number;
  /** CPU seconds during the ready phase: this process (issuance, render worker, store client) and the S3 server. */
  cpu: { self: number; s3: number };
  pdf: number;
  badge: number;
}

/**
 * How many of these assertions have their PDF and baked badge stored, by asking the store for each
 * key (16 at a time). Not a listing: s3rver answers InternalError to listings of a few thousand
 * objects, and listing everything every poll would load it and slow what is measured.
 */
async function countStored(files: FileStore, org: string, ids: string[]): Promise<{ pdf: number; badge: number }> {
  let pdf = 0;
  let badge = 0;
  for (let i = 0; i < ids.length; i += 16) {
    await Promise.all(
      ids.slice(i, i + 16).map(async (id) => {
        if (await files.exists(renderKey(org, id, 1, 'certificate.pdf'))) pdf++;
        if (await files.exists(renderKey(org, id, 1, 'badge.png'))) badge++;
      }),
    );
  }
  return { pdf, badge };
}

/** s3rver in a child process on a free port, with one bucket. */
async function startS3Server(dir: string): Promise<{ endpoint: string; cpuMs(): number; stop(): void }> {
  const port = await freePort();
  const bin = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');
  const child = spawn(
    process.execPath,
    [bin, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--silent', '--configure-bucket', 'bench'],
    // Its own process group, so its CPU time can be read (proc-stats.ts).
    { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code})`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cpuMs: () => groupCpuMs(child.pid!),
    stop: () => child.kill('SIGTERM'),
  };
}

async function runOnce(spec: string): Promise<Run> {
  const [store, batch] = spec.split('@');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `bw-bench-bulk-${store}-`));
  const adminToken = 'bw_bench_' + randomBytes(16).toString('hex');
  let s3: Awaited<ReturnType<typeof startS3Server>> | undefined;
  let storeEnv: Record<string, string> = { FILE_STORE: pathToFileURL(path.join(dataDir, 'files')).href };
  if (store === 's3') {
    s3 = await startS3Server(path.join(dataDir, 's3rver'));
    Object.assign(process.env, S3_KEYS);
    storeEnv = { FILE_STORE: 's3://bench/files', S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true' };
  }
  const config = loadConfig({
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'silent',
    ISSUE_WAIT_MS: '60000',
    WORKERS: 'issuance,render',
    RATE_LIMIT: 'off',
    ...(batch ? { RENDER_BATCH: batch } : {}),
    ...storeEnv,
  });
  const svc = await startService({ config, api: true, workers: true, logger: createLogger('silent') });
  const files = svc.runtime.files;
  const api = apiCaller(svc.url!, adminToken);
  const call = async (method: string, p: string, body?: unknown) => (await api(method, p, body)).body;
  try {
    const t = '/api/credentials/orgs/main/users/admin';
    const users = Array.from({ length: N + 1 }, (_, i) => ({
      user_id: `u${i}`,
      role: 'student',
      email: `u${i}@example.org`,
      name: `Learner Number ${i}`,
    }));
    await call('POST', '/api/admin/orgs/main/users', { users });
    const issuer = (await call('POST', `${t}/issuers/`, { name: 'Bench Academy', url: 'https://bench.example.org' }))
      .result.entityId;
    const credential = (
      await call('POST', `${t}/`, {
        name: 'Bulk Rendering',
        description: 'Benchmark credential',
        issuer,
        criteria_text: 'Run the bench.',
      })
    ).result.entityId;

    // Baseline: one single issuance until its PDF is stored (warms the browser too).
    const t0 = performance.now();
    const first = (await call('POST', `${t}/${credential}/assertions/`, { recipient: { user_id: `u${N}` } })).result
      .entityId as string;
    while ((await countStored(files, 'main', [first])).pdf < 1) await sleep(20);
    const single = (performance.now() - t0) / 1000;

    const t1 = performance.now();
    const bulk = await call('POST', `${t}/${credential}/assertions/bulk/`, {
      users: users.slice(0, N).map((u) => u.user_id),
    });
    const issued = (performance.now() - t1) / 1000;
    // The bulk answer is bare (the lists at the top level, as the seed has it).
    const issuedUsers: string[] = (bulk.result ?? bulk).issued;
    if (issuedUsers.length !== N) throw new Error(`bulk issued ${issuedUsers.length} of ${N}`);
    const t2 = performance.now();
    const cpu0 = { self: process.cpuUsage(), s3: s3?.cpuMs() ?? 0 };
    const deadline = t2 + 15 * 60_000;
    // Watched through the render queue, and the store listed only once it is idle: listing 2,000
    // objects every half second would load the S3 server (on the same cores) and slow what it measures.
    const renderQueue = svc.runtime.queues.render;
    const idle = async () => {
      const n = await renderQueue.getJobCounts('waiting', 'active', 'prioritized', 'delayed');
      return Object.values(n).every((x) => x === 0);
    };
    const ids = (
      await svc.runtime.db.selectFrom('assertions').select('id').where('credential_id', '=', credential).execute()
    ).map((a) => a.id);
    let c = { pdf: 0, badge: 0 };
    // Ready when the render queue went idle with every file there (the count's own time left out).
    let readyAt = performance.now();
    // CPU read with the time, before the count: its 2,000 HEADs are the bench's, not the render's.
    const cpuNow = () => {
      const self = process.cpuUsage(cpu0.self);
      return { self: (self.user + self.system) / 1e6, s3: ((s3?.cpuMs() ?? 0) - cpu0.s3) / 1000 };
    };
    let cpu = cpuNow();
    while ((c.pdf < N + 1 || c.badge < N + 1) && performance.now() < deadline) {
      await sleep(250);
      if (!(await idle())) continue;
      readyAt = performance.now();
      cpu = cpuNow();
      c = await countStored(files, 'main', ids);
    }
    const ready = (readyAt - t2) / 1000;
    return { store: spec, single, issued, ready, cpu, pdf: c.pdf - 1, badge: c.badge - 1 };
  } finally {
    await svc.stop();
    s3?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const runs: Run[] = [];
  for (const store of STORES) runs.push(await runOnce(store));
  console.log(`| measure (bulk of ${N}) | ${runs.map((r) => r.store).join(' | ')} |`);
  console.log(`|---|${runs.map(() => '---').join('|')}|`);
  const row = (label: string, f: (r: Run) => string) => console.log(`| ${label} | ${runs.map(f).join(' | ')} |`);
  row('baseline: one issuance until its PDF is stored', (r) => `${r.single.toFixed(2)} s`);
  row('bulk issued (sign + store)', (r) => `${r.issued.toFixed(1)} s`);
  row('every PDF and baked badge stored, after issuance ended', (r) => `${r.ready.toFixed(1)} s`);
  row('files stored', (r) => `${r.pdf} PDFs, ${r.badge} badges`);
  row('certificates per second (PDF + badge)', (r) => (N / r.ready).toFixed(1));
  row('CPU while rendering: this process (workers, store client)', (r) => `${r.cpu.self.toFixed(1)} s`);
  row('CPU while rendering: the S3 server (s3rver)', (r) =>
    r.store.startsWith('s3') ? `${r.cpu.s3.toFixed(1)} s` : '-',
  );
  console.log(
    `\nload average at the end: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(', ')}`,
  );
  const file = runs.find((r) => r.store === 'file');
  const s3 = runs.find((r) => r.store === 's3');
  if (!file || !s3) return;
  // s3rver runs on the same cores as the workers and Chromium; in production the store is other
  // machines. Its CPU seconds, spread over the cores, are taken off the S3 run's wall time: an
  // estimate of the time had the store cost this machine nothing (exact only on an otherwise idle host).
  const cores = os.availableParallelism();
  const withoutServer = Math.max(s3.ready - s3.cpu.s3 / cores, 0);
  console.log(`\nS3 / filesystem ready time (wall): ${(s3.ready / file.ready).toFixed(2)}× (goal ≤ 1.3×)`);
  console.log(
    `S3 / filesystem, the S3 server's ${s3.cpu.s3.toFixed(1)} CPU s over ${cores} cores left out: ` +
      `${(withoutServer / file.ready).toFixed(2)}× (${withoutServer.toFixed(1)} s vs ${file.ready.toFixed(1)} s)`,
  );
  console.log(
    `S3 / filesystem CPU of this process (workers, store client): ${(s3.cpu.self / file.cpu.self).toFixed(2)}×`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
