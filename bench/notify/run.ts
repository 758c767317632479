/**
 * Email on issuance: 10,000-user bulks with and without `notify: true`, alternated in one run on
 * the all-in-one service (embedded PGlite and redis-server), against an SMTP server in this
 * process (smtp-server). Issuance time is the bulk request's wall time (it waits for its result);
 * emails are sent by the mail worker meanwhile and after, under the per-org rate limit.
 *
 *   npx tsx bench/notify/run.ts [bulkUsers=10000] [rounds=2] [mailRate=200/s]
 *
 * BENCH_MAIL_WORKER=off runs no mail worker: the "with email" bulks then pay only for recording
 * and enqueuing their emails, which tells that cost apart from sending them beside the bulk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startService } from '../../src/service.js';
import { apiCaller } from '../api-call.js';
import { freePort } from '../../src/embedded/redis-server.js';

const BULK = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 2);
const MAIL_RATE = process.argv[4] ?? '200/s';
const MAIL_WORKER = process.env.BENCH_MAIL_WORKER !== 'off';

/** The SMTP server in its own process (bench/notify/smtp-sink-process.ts): its parsing is not ours to pay. */
async function smtpSink() {
  const received: { to: string; at: number }[] = [];
  const child = fork(fileURLToPath(new URL('./smtp-sink-process.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (m: { port?: number; received?: { to: string; at: number }[] }) => {
      if (m.port) resolve(m.port);
      if (m.received) received.push(...m.received);
    });
    child.once('exit', (code) => reject(new Error(`SMTP sink exited (${code})`)));
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: async () => {
      child.kill('SIGTERM');
    },
  };
}

async function main(): Promise<void> {
  const smtp = await smtpSink();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bw-bench-notify-'));
  const adminToken = 'bw_bench_' + randomBytes(16).toString('hex');
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'silent',
    ISSUE_WAIT_MS: '60000',
    WORKERS: MAIL_WORKER ? 'issuance,mail' : 'issuance',
    SMTP_URL: smtp.url,
    MAIL_FROM: 'badges@bench.example.org',
    MAIL_RATE_PER_ORG: MAIL_RATE,
    ...(process.env.DATABASE_URL && { DATABASE_URL: process.env.DATABASE_URL }),
  });
  const svc = await startService({ config, api: true, workers: true, logger: createLogger('silent') });
  const base = svc.url!;
  const call = apiCaller(base, adminToken);

  try {
    const t = `/api/credentials/orgs/main/users/admin`;
    const users = Array.from({ length: BULK }, (_, i) => ({
      user_id: `u${i}`,
      role: 'student',
      email: `u${i}@example.org`,
      name: `User ${i}`,
    }));
    for (let i = 0; i < users.length; i += 10_000)
      await call('POST', '/api/admin/orgs/main/users', { users: users.slice(i, i + 10_000) });
    const issuer = (
      await call('POST', `${t}/issuers/`, {
        name: 'Bench',
        url: 'https://bench.example.org',
        email: 'b@bench.example.org',
      })
    ).body.result.entityId;
    const credential = async (name: string) =>
      (await call('POST', `${t}/`, { name, description: 'Bench', issuer, criteria_text: 'Run it.' })).body.result
        .entityId as string;
    const warm = await credential('Warm-up');
    await call('POST', `${t}/${warm}/assertions/bulk/`, { users: users.slice(0, 500).map((u) => u.user_id) });

    const times: Record<'off' | 'on', number[]> = { off: [], on: [] };
    // CPU seconds this process used during each bulk: on a host shared with other work, wall
    // time varies with the neighbours; this does much less.
    const cpu: Record<'off' | 'on', number[]> = { off: [], on: [] };
    const drainSeconds: number[] = [];
    let expected = 0;
    // Each bulk starts with the mail queue drained: "off" runs alone, "on" beside its own emails.
    const drain = async () => {
      const t0 = Date.now();
      const deadline = t0 + 30 * 60_000;
      while (smtp.received.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      return (Date.now() - t0) / 1000;
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        await drain();
        const c = await credential(`Bulk ${round} ${mode}`);
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const r = await call('POST', `${t}/${c}/assertions/bulk/`, {
          users: users.map((u) => u.user_id),
          notify: mode === 'on',
        });
        // Not done within ISSUE_WAIT_MS (a loaded host): the time is until the job says it is.
        let result = r.body;
        while (r.status === 202) {
          const s = (await call('GET', `${t}/jobs/${r.body.job_id}`)).body.result;
          if (s.state === 'completed' || s.state === 'failed') {
            result = s.result;
            break;
          }
          await new Promise((res) => setTimeout(res, 50));
        }
        times[mode].push((performance.now() - t0) / 1000);
        const used = process.cpuUsage(c0);
        cpu[mode].push((used.user + used.system) / 1e6);
        if (result?.issued?.length !== BULK) throw new Error(`bulk ${mode}: ${r.status} ${JSON.stringify(result)}`);
        if (mode === 'on' && MAIL_WORKER) {
          expected += BULK;
          drainSeconds.push(times.on.at(-1)! + (await drain()));
        }
      }
    }
    // Duplicates: the same recipient for the same bulk counted twice would exceed BULK per address.
    const perAddress = new Map<string, number>();
    for (const m of smtp.received) perAddress.set(m.to, (perAddress.get(m.to) ?? 0) + 1);
    const duplicates = [...perAddress.values()].filter((n) => n > ROUNDS).length;
    // Rate: the most emails accepted in any sliding window of the limiter's length.
    const { points, seconds } = config.notify.mail!.ratePerOrg;
    const at = smtp.received.map((m) => m.at).sort((a, b) => a - b);
    let peak = 0;
    for (let i = 0, j = 0; i < at.length; i++) {
      while (at[i] - at[j] >= seconds * 1000) j++;
      peak = Math.max(peak, i - j + 1);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const off = median(times.off);
    const on = median(times.on);
    console.log(
      `notify bench (${svc.runtime.dbKind}, ${os.availableParallelism()} cores, ${ROUNDS} rounds, mail ${MAIL_RATE})`,
    );
    console.log(
      `  bulk of ${BULK} without email: ${times.off.map((x) => x.toFixed(2)).join(', ')} s (median ${off.toFixed(2)})`,
    );
    console.log(
      `  bulk of ${BULK} with email:    ${times.on.map((x) => x.toFixed(2)).join(', ')} s (median ${on.toFixed(2)})`,
    );
    console.log(
      `  ratio with / without = ${(on / off).toFixed(2)}x (target <= 1.1x: ${on / off <= 1.1 ? 'met' : 'NOT met'})`,
    );
    const cpuOff = median(cpu.off);
    const cpuOn = median(cpu.on);
    console.log(
      `  CPU of this process during the bulk: without ${cpu.off.map((x) => x.toFixed(1)).join(', ')} s, ` +
        `with ${cpu.on.map((x) => x.toFixed(1)).join(', ')} s (ratio of medians ${(cpuOn / cpuOff).toFixed(2)}x; ` +
        `${MAIL_WORKER ? 'includes the mail worker sending meanwhile' : 'no mail worker: recording and enqueuing only'})`,
    );
    console.log(
      `  load average at the end: ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(', ')}`,
    );
    console.log(
      `  emails: ${smtp.received.length} of ${expected} delivered (${drainSeconds.map((x) => x.toFixed(0)).join(', ')} s ` +
        `per bulk), ${duplicates} duplicated; peak ${peak} in any ${seconds} s (limit ${points})`,
    );
  } finally {
    await svc.stop();
    await smtp.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
