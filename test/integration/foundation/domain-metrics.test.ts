/**
 * Issue 17: /metrics counts what the service does (issued, revoked, renders by kind and outcome
 * with their durations, verifications by outcome), behind METRICS_TOKEN; a worker-only process
 * serves the same counters on WORKER_METRICS_PORT.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { startService } from '../../../src/service.js';
import { freePort } from '../../../src/embedded/redis-server.js';
import { createTestDatabase } from '../../support/databases.js';

const TOKEN = 'metrics-scrape-token-domain-0123';

/** Prometheus text format: `name{labels} value` per sample line, comments skipped. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    samples.set(m[1] + (m[2] ?? ''), Number(m[3]));
  }
  return samples;
}

async function scrape(url: string): Promise<Map<string, number>> {
  const r = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
  return parseMetrics(await r.text());
}

describe('domain metrics', () => {
  let f: IssuanceFixture;
  beforeAll(async () => {
    f = await startIssuanceService('pglite', { WORKERS: 'issuance,render', METRICS_TOKEN: TOKEN });
  }, 180_000);
  afterAll(() => f?.svc.stop());

  it('issue, render, verify and revoke move their counters; /metrics refuses a scrape without the token', async () => {
    const metricsUrl = `${f.svc.url}/metrics`;
    expect((await fetch(metricsUrl)).status).toBe(401);
    const before = await scrape(metricsUrl);
    const at = (m: Map<string, number>, key: string) => m.get(key) ?? 0;
    const delta = (after: Map<string, number>, key: string) => at(after, key) - at(before, key);

    const credential = await f.credential(await f.issuer(), { name: 'Counted' });
    const issued = await f.as('alice')('POST', `/${credential}/assertions/`, {
      body: { recipient: { user_id: 'sue' } },
    });
    expect(issued.status).toBe(201);
    const id = issued.body.result.entityId as string;
    // A single issue renders its PDF, PNG and badge; wait for that job.
    const job = await f.svc.service.runtime.queues.render.getJob(`render-${id}`);
    await expect.poll(async () => job!.getState(), { timeout: 90_000, interval: 200 }).toBe('completed');

    const jwt = (await f.get(`${f.svc.url}/api/credentials/public/assertions/${id}/credential.jwt`)).text;
    const verify = (body: unknown) =>
      fetch(`${f.svc.url}/api/credentials/public/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(((await (await verify({ jwt })).json()) as { verified: boolean }).verified).toBe(true);
    const tampered = jwt.slice(0, -4) + (jwt.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(((await (await verify({ jwt: tampered })).json()) as { verified: boolean }).verified).toBe(false);
    const revoked = await f.as('alice')('PUT', `/assertions/${id}`, {
      body: { revoked: true, revocationReason: 'metrics test' },
    });
    expect(revoked.status).toBe(200);

    const after = await scrape(metricsUrl);
    expect(delta(after, 'badgeworks_assertions_issued_total{mode="single"}')).toBe(1);
    expect(delta(after, 'badgeworks_assertions_revoked_total')).toBe(1);
    for (const kind of ['pdf', 'png', 'badge']) {
      expect(delta(after, `badgeworks_renders_total{kind="${kind}",outcome="ok"}`), kind).toBe(1);
      expect(delta(after, `badgeworks_render_duration_seconds_count{kind="${kind}",outcome="ok"}`), kind).toBe(1);
      expect(at(after, `badgeworks_render_duration_seconds_sum{kind="${kind}",outcome="ok"}`)).toBeGreaterThan(0);
    }
    expect(delta(after, 'badgeworks_render_jobs_total{outcome="completed"}')).toBe(1);
    expect(delta(after, 'badgeworks_verifications_total{input="jwt",outcome="verified"}')).toBe(1);
    expect(delta(after, 'badgeworks_verifications_total{input="jwt",outcome="failed"}')).toBe(1);
    // Labels stay bounded: no org, user or credential id in any of them.
    for (const key of after.keys())
      if (key.startsWith('badgeworks_')) expect(key).not.toMatch(/"(acme|alice|sue)"|[0-9a-f]{8}-[0-9a-f]{4}-/);
  }, 180_000);

  it('a worker-only process serves its counters on WORKER_METRICS_PORT, behind the same token', async () => {
    const port = await freePort();
    const database = await createTestDatabase('pglite');
    const config = loadConfig({
      HOST: '127.0.0.1',
      DATA_DIR: f.svc.dataDir,
      REDIS_URL: inject('redisUrl'),
      WORKERS: 'issuance',
      WORKER_METRICS_PORT: String(port),
      METRICS_TOKEN: TOKEN,
      LOG_LEVEL: 'silent',
    });
    const worker = await startService({
      config,
      api: false,
      workers: true,
      database: database.options,
      queuePrefix: `bwtest-${randomBytes(4).toString('hex')}`,
      logger: createLogger('silent'),
    });
    try {
      expect(worker.url).toBeUndefined();
      expect(worker.metricsUrl).toBe(`http://127.0.0.1:${port}/metrics`);
      expect((await fetch(worker.metricsUrl!)).status).toBe(401);
      const samples = await scrape(worker.metricsUrl!);
      // This test process counted the issue above: the worker endpoint shows the process's counters.
      expect(samples.get('badgeworks_assertions_issued_total{mode="single"}')).toBeGreaterThanOrEqual(1);
      expect(samples.has('process_cpu_user_seconds_total')).toBe(true);
    } finally {
      await worker.stop();
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  }, 120_000);
});
