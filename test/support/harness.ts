import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startService, type RunningService } from '../../src/service.js';
import { freePort } from '../../src/embedded/redis-server.js';
import { createTestDatabase, type DbKind } from './databases.js';
import type { DatabaseOptions } from '../../src/db/database.js';

/**
 * The real service in-process on a random port: real HTTP, real Redis (the run's redis-server,
 * with a prefix of its own), real PGlite or PostgreSQL.
 */
export interface TestService {
  url: string;
  adminToken: string;
  dataDir: string;
  service: RunningService;
  config: Config;
  /** Where its data lives, for a replica started beside it. */
  database: DatabaseOptions;
  /** fetch against the service with JSON in and out. */
  api(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export async function startTestService(
  opts: {
    db?: DbKind;
    workers?: boolean;
    render?: boolean;
    env?: Record<string, string>;
    queuePrefix?: string;
    /** Another service's database (replicas of one deployment); it is left for its owner to drop. */
    database?: DatabaseOptions;
  } = {},
): Promise<TestService> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bw-test-'));
  const adminToken = 'bw_test_admin_' + randomBytes(16).toString('hex');
  // A known port up front, so PUBLIC_BASE_URL (links, credential ids) is the real address.
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    REDIS_URL: inject('redisUrl'),
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'silent',
    // The render worker (a Chromium pool rendering every issued assertion) only where a suite tests rendering.
    WORKERS: opts.render ? 'issuance,render' : 'issuance',
    // Every request of a suite comes from 127.0.0.1 and most as one admin: budgets no suite reaches,
    // with the limiter still in the path. The rate-limit suite sets its own.
    RATE_LIMIT_PUBLIC: '100000/min',
    RATE_LIMIT_VERIFY: '100000/min',
    RATE_LIMIT_RENDER: '100000/min',
    RATE_LIMIT_API: '100000/min',
    RATE_LIMIT_AUTH_FAILURES: '100000/min',
    // No load balancer to drain in front of a test service: stop at once.
    SHUTDOWN_DELAY_MS: '0',
    ...opts.env,
  });
  const database = opts.database
    ? { options: opts.database, drop: async () => {} }
    : await createTestDatabase(opts.db ?? 'pglite');
  const service = await startService({
    config,
    api: true,
    workers: opts.workers ?? true,
    database: database.options,
    queuePrefix: opts.queuePrefix ?? `bwtest-${randomBytes(4).toString('hex')}`,
    // TEST_LOG_LEVEL=error shows what the service logs while a suite runs (silent by default).
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  });
  const url = service.url!;

  return {
    url,
    adminToken,
    dataDir,
    service,
    config: service.runtime.config,
    database: database.options,
    async api(method, p, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      const token = o.token === undefined ? adminToken : o.token;
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (o.body !== undefined) {
        body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + p, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed as any, headers: res.headers };
    },
    async stop() {
      await service.stop();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
