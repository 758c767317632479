/**
 * API_PROCESSES on this machine: the cached hot paths (public assertion JSON, page, verify by jwt)
 * served by `badgeworks api` as 1 and then 2 processes (real child processes, PostgreSQL and
 * Redis), each row right after a run of the bare-Express baseline (in this process), in one run.
 *
 *   DATABASE_URL=postgres://… REDIS_URL=redis://… npx tsx bench/verify/processes.ts [seconds=5] [connections=50]
 *
 * The data is seeded by an all-in-one service in this process first (it issues the credential).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startService } from '../../src/service.js';
import { freePort } from '../../src/embedded/redis-server.js';
import { seedVerifyCredential, staticBaseline } from './seed.js';

const args = process.argv.slice(2);
const SECONDS = Number(args[0] ?? 5);
const CONNECTIONS = Number(args[1] ?? 50);
const { DATABASE_URL, REDIS_URL } = process.env;
if (!DATABASE_URL || !REDIS_URL) throw new Error('set DATABASE_URL and REDIS_URL (separate processes share them)');

type Cannon = (opts: Record<string, unknown>) => Promise<{ requests: { average: number }; non2xx: number }>;
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;
const rps = async (opts: Record<string, unknown>) => {
  const r = await autocannon({ connections: CONNECTIONS, duration: SECONDS, workers: 1, ...opts });
  if (r.non2xx) throw new Error(`${r.non2xx} non-2xx answers from ${JSON.stringify(opts).slice(0, 120)}`);
  return Math.round(r.requests.average);
};

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bw-bench-processes-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = {
  PORT: String(port),
  HOST: '127.0.0.1',
  PUBLIC_BASE_URL: base,
  DATA_DIR: dataDir,
  DATABASE_URL,
  REDIS_URL,
  QUEUE_PREFIX: `bwbench${randomBytes(3).toString('hex')}`,
  KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  FILE_STORE: `file://${dataDir}/files`,
  ADMIN_TOKEN: 'bw_bench_' + randomBytes(16).toString('hex'),
  LOG_LEVEL: 'silent',
  ISSUE_WAIT_MS: '30000',
  RATE_LIMIT_PUBLIC: '100000000/min',
  RATE_LIMIT_VERIFY: '100000000/min',
};

// Seed: one org, issuer, credential and assertion, issued by an in-process all-in-one.
const seeder = await startService({
  config: loadConfig(env),
  api: true,
  workers: true,
  logger: createLogger('silent'),
});
// A new org each run: DATABASE_URL may hold an earlier run's (or the issuance bench's) data.
const org = `bench${randomBytes(4).toString('hex')}`;
const { jwt, publicUrl, pageUrl, publicBody } = await seedVerifyCredential(base, env.ADMIN_TOKEN, org);
await seeder.stop();

const { server: baseline, url: baselineUrl } = await staticBaseline(publicBody);

const rows: Record<string, Record<string, unknown>> = {
  'public assertion JSON': { url: publicUrl, headers: { accept: 'application/json' } },
  'page /v/{id}': { url: pageUrl, headers: { accept: 'text/html' } },
  'POST /verify {jwt}': {
    url: `${base}/api/credentials/public/verify`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jwt }),
  },
};
const results: Record<string, Record<string, number>> = {};
try {
  for (const processes of [1, 2, 1, 2]) {
    const api = spawn(process.execPath, [path.resolve(import.meta.dirname, '../../bin/badgeworks.js'), 'api'], {
      env: { ...process.env, ...env, API_PROCESSES: String(processes) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      api.stdout!.on('data', (d: Buffer) => {
        out += d;
        if ((out.match(/badgeworks ready: api/g) ?? []).length >= processes) resolve();
      });
      api.once('exit', (code) => reject(new Error(`api exited ${code}: ${out}`)));
    });
    for (const opts of Object.values(rows)) await autocannon({ ...opts, connections: 10, duration: 1 }); // warm
    for (const [name, opts] of Object.entries(rows)) {
      const b = await rps({ url: baselineUrl });
      const r = await rps(opts);
      const key = `${name}, ${processes} process${processes > 1 ? 'es' : ''}`;
      (results[key] ??= { rounds: 0, 'req/s': 0, ratio: 0 }).rounds += 1;
      results[key]['req/s'] += r;
      results[key].ratio += r / b;
      console.log(JSON.stringify({ row: key, 'req/s': r, baseline: b, ratio: +(r / b).toFixed(3) }));
    }
    api.kill('SIGTERM');
    await new Promise((resolve) => api.once('exit', resolve));
  }
  console.log(`\n| row (${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}) | req/s | ratio to baseline |`);
  console.log('|---|---:|---:|');
  for (const [row, r] of Object.entries(results)) {
    console.log(`| ${row} | ${Math.round(r['req/s'] / r.rounds)} | ${(r.ratio / r.rounds).toFixed(3)} |`);
  }
} finally {
  baseline.close();
  rmSync(dataDir, { recursive: true, force: true });
}
