import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../../src/embedded/redis-server.js';
import { runBadgeworks, type Child } from '../../support/child-service.js';

/**
 * SIGTERM under keep-alive: /readyz turns 503 first while requests are still served, the request
 * in flight gets its answer (and its connection closes after it), and an idle process exits
 * within about 3 s.
 */
interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Writer = (req: http.ClientRequest) => void;
function request(port: number, agent: http.Agent | false, method: string, p: string, write?: Writer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json' };
    const req = http.request({ host: '127.0.0.1', port, method, path: p, agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (write) write(req);
    else req.end();
  });
}

describe('graceful shutdown', () => {
  const dirs: string[] = [];
  const children: Child[] = [];
  afterAll(() => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function start(env: Record<string, string> = {}): Promise<{ child: Child; port: number }> {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bw-stop-'));
    dirs.push(dataDir);
    const port = await freePort();
    const child = runBadgeworks(['start'], {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: `bwstop-${port}`,
      WORKERS: 'issuance',
      ...env,
    });
    children.push(child);
    await child.waitFor(/badgeworks ready/, 120_000);
    return { child, port };
  }

  // Both services start at once: a start takes tens of seconds on a loaded 2-core machine.
  let busy: { child: Child; port: number };
  let idle: { child: Child; port: number };
  beforeAll(async () => {
    [busy, idle] = await Promise.all([start({ SHUTDOWN_DELAY_MS: '1000' }), start()]);
  }, 150_000);

  it('a keep-alive request in flight at SIGTERM gets its answer; /readyz answers 503 while draining', async () => {
    const { child, port } = busy;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const warm = await request(port, agent, 'GET', '/healthz');
    expect(warm.status).toBe(200);
    expect(warm.headers.connection).toBe('keep-alive');

    // A slow client: the body of a verify request trickles in over 2.5 s, on the kept-alive socket.
    let finish!: () => void;
    const slow = request(port, agent, 'POST', '/api/credentials/public/verify', (req) => {
      req.setHeader('transfer-encoding', 'chunked');
      req.write('{"jwt": ');
      finish = () => req.end('"not.a.jwt"}');
    });
    await sleep(200);
    const signalled = performance.now();
    child.proc.kill('SIGTERM');

    // While draining: not ready, but still answering, each answer closing its connection.
    const readyz: Answer[] = [];
    while (performance.now() - signalled < 900) {
      readyz.push(await request(port, false, 'GET', '/readyz'));
      await sleep(100);
    }
    expect(readyz.length).toBeGreaterThan(3);
    // The first probe may still beat the signal's delivery; from then on, 503.
    expect(readyz.slice(1).map((r) => r.status)).toEqual(readyz.slice(1).map(() => 503));
    expect(readyz.at(-1)!.headers.connection).toBe('close');
    expect(JSON.parse(readyz.at(-1)!.body).status).toBe('shutting down');

    await sleep(2500 - (performance.now() - signalled));
    finish();
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).verified).toBe(false);
    expect(answer.headers.connection).toBe('close');

    expect(await child.exited).toBe(0);
    const total = performance.now() - signalled;
    console.log(`graceful shutdown: in-flight request answered, exit ${total.toFixed(0)} ms after SIGTERM`);
    // The request ended at 2.5 s; then the listener closes at once and the process ends.
    expect(total).toBeLessThan(2500 + 2500);
    agent.destroy();
  }, 90_000);

  it('an idle service with an idle keep-alive connection exits within about 3 s of SIGTERM', async () => {
    const { child, port } = idle;
    const agent = new http.Agent({ keepAlive: true });
    expect((await request(port, agent, 'GET', '/readyz')).status).toBe(200);
    const signalled = performance.now();
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    const ms = performance.now() - signalled;
    console.log(`graceful shutdown: idle exit ${ms.toFixed(0)} ms after SIGTERM (SHUTDOWN_DELAY_MS 1000)`);
    expect(ms).toBeLessThan(3500);
    agent.destroy();
  }, 90_000);
});
