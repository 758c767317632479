import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QueueEvents } from 'bullmq';
import { freePort } from '../../../src/embedded/redis-server.js';
import { startTestService, type TestService } from '../../support/harness.js';
import { runBadgeworks } from '../../support/child-service.js';

describe('BullMQ queues and workers on a real Redis', () => {
  const prefix = `bwq-${randomBytes(4).toString('hex')}`;
  let svc: TestService;

  beforeAll(async () => {
    svc = await startTestService({ queuePrefix: prefix, env: { JOB_LOCK_MS: '2000' } });
  });
  afterAll(() => svc?.stop());

  it('a job enqueued is processed end to end and its status is visible to its org only', async () => {
    // Listening before the job exists, so its completion cannot be missed.
    await svc.service.runtime.queues.issuanceEvents().waitUntilReady();
    const job = await svc.service.runtime.queues.issuance.add('ping', {
      org: 'main',
      requestedBy: 'admin',
      message: 'hello',
    });
    const result = await job.waitUntilFinished(svc.service.runtime.queues.issuanceEvents(), 30_000);
    expect(result).toEqual({ pong: 'hello', worker: process.pid });
    const status = await svc.api('GET', `/api/credentials/orgs/main/users/admin/jobs/${job.id}`);
    expect(status.status).toBe(200);
    expect(status.body.result).toMatchObject({
      id: job.id,
      name: 'ping',
      state: 'completed',
      result: { pong: 'hello' },
    });

    // The same job id under another org is not found.
    await svc.api('POST', '/api/admin/orgs', { body: { org: 'other', name: 'Other' } });
    await svc.api('PUT', '/api/admin/orgs/other/users/boss', { body: { role: 'platform_admin' } });
    const boss = (await svc.api('POST', '/api/admin/orgs/other/users/boss/tokens')).body.result.token;
    expect(
      (await svc.api('GET', `/api/credentials/orgs/other/users/boss/jobs/${job.id}`, { token: boss })).status,
    ).toBe(404);
  });

  it('a worker killed mid-job leaves the job to be retried by another worker, not lost', async () => {
    // A second, separate worker process (the all-in-one with its own embedded database) on the
    // same Redis and prefix. The in-process worker of `svc` is paused so the child takes the job.
    const inProcess = svc.service.runtime;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bw-worker-'));
    // From the stream's start, so a completion before the first XREAD is still seen.
    const events = new QueueEvents('issuance', { connection: { url: inject('redisUrl') }, prefix, lastEventId: '0-0' });
    try {
      await events.waitUntilReady();
      const pausedWorkers = await pauseLocalWorkers(svc);
      const child = runBadgeworks(['start'], {
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        REDIS_URL: inject('redisUrl'),
        QUEUE_PREFIX: prefix,
        JOB_LOCK_MS: '2000',
      });
      await child.waitFor(/badgeworks ready/, 60_000);
      const job = await inProcess.queues.issuance.add('ping', {
        org: 'main',
        requestedBy: 'admin',
        message: 'survivor',
        delayMs: 4000,
      });
      const active = new Promise<void>((resolve) => events.on('active', ({ jobId }) => jobId === job.id && resolve()));
      await active;
      child.proc.kill('SIGKILL');
      await child.exited;
      pausedWorkers.forEach((w) => w.resume());
      const result = await job.waitUntilFinished(events, 30_000);
      // Completed by this process's worker after the stalled-job check moved it back.
      expect(result).toEqual({ pong: 'survivor', worker: process.pid });
      const done = await inProcess.queues.issuance.getJob(job.id!);
      expect(done!.stalledCounter ?? 1).toBeGreaterThanOrEqual(1);
    } finally {
      await events.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

async function pauseLocalWorkers(svc: TestService) {
  const workers = svc.service.workers;
  await Promise.all(workers.map((w) => w.pause(true)));
  return workers;
}
