/**
 * After a bulk: how long until every certificate PDF and baked badge of it is in the store?
 * The all-in-one service (embedded PGlite and redis-server, issuance and render workers in this
 * process) issues a bulk, then the store is watched until N PDFs and N badges exist. The
 * baseline in the same run is one single issuance's render (issue → its PDF stored).
 *
 *   npx tsx bench/render/bulk-ready.ts [users=1000]
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startService } from '../../src/service.js';
import { freePort } from '../../src/embedded/redis-server.js';

const N = Number(process.argv[2] ?? 1000);

function countFiles(dir: string): { pdf: number; badge: number } {
  let pdf = 0;
  let badge = 0;
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name === 'certificate.pdf') pdf++;
      else if (e.name === 'badge.png') badge++;
    }
  };
  walk(dir);
  return { pdf, badge };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bw-bench-bulk-render-'));
  const adminToken = 'bw_bench_' + randomBytes(16).toString('hex');
  const config = loadConfig({
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'silent',
    ISSUE_WAIT_MS: '60000',
    WORKERS: 'issuance,render',
  });
  const svc = await startService({ config, api: true, workers: true, logger: createLogger('silent') });
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(svc.url! + p, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
    return json;
  };
  const renders = path.join(dataDir, 'files', 'renders');
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
    await call('POST', `${t}/${credential}/assertions/`, { recipient: { user_id: `u${N}` } });
    while (countFiles(renders).pdf < 1) await sleep(20);
    const single = (performance.now() - t0) / 1000;

    const t1 = performance.now();
    const bulk = await call('POST', `${t}/${credential}/assertions/bulk/`, {
      users: users.slice(0, N).map((u) => u.user_id),
    });
    const issued = (performance.now() - t1) / 1000;
    if (bulk.result.issued.length !== N) throw new Error(`bulk issued ${bulk.result.issued.length} of ${N}`);
    const t2 = performance.now();
    const deadline = t2 + 15 * 60_000;
    let c = countFiles(renders);
    while ((c.pdf < N + 1 || c.badge < N + 1) && performance.now() < deadline) {
      await sleep(250);
      c = countFiles(renders);
    }
    const ready = (performance.now() - t2) / 1000;
    console.log(`| measure | value |`);
    console.log(`|---|---|`);
    console.log(`| baseline: one issuance until its PDF is stored | ${single.toFixed(2)} s |`);
    console.log(`| bulk of ${N}: issued (sign + store) | ${issued.toFixed(1)} s |`);
    console.log(
      `| every PDF and baked badge stored, after issuance ended | ${ready.toFixed(1)} s (${c.pdf - 1} PDFs, ${c.badge - 1} badges) |`,
    );
    console.log(`| certificates per second (PDF + badge) | ${(N / ready).toFixed(1)} |`);
    console.log(`| bulk ready time / 60 s target | ${(ready / 60).toFixed(2)} |`);
  } finally {
    await svc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
