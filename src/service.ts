import http from 'node:http';
import type { Worker } from 'bullmq';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createRuntime, type Runtime } from './runtime.js';
import { createApp } from './app.js';
import { createRateLimits, type RateLimits } from './http/rate-limit.js';
import { bootstrapDirectory, type BootstrapResult } from './directory/bootstrap.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded/redis-server.js';
import type { DatabaseOptions } from './db/database.js';
import { acquireDataDirLock } from './db/data-dir-lock.js';
import { within } from './time-bound.js';
import { startWorkers } from '../workers/index.js';

/**
 * Starts the parts one process runs: the API, the workers, or both (all-in-one), with the
 * embedded PGlite and redis-server when no DATABASE_URL / REDIS_URL is configured. Stopping
 * closes the HTTP server, drains the workers, then closes the queues, database and redis child.
 */
export interface ServiceOptions {
  config: Config;
  api: boolean;
  workers: boolean;
  logger?: Logger;
  /** Overrides for tests: an in-memory database, a prefix per test file. */
  database?: DatabaseOptions;
  queuePrefix?: string;
}

export interface RunningService {
  runtime: Runtime;
  url?: string;
  bootstrap: BootstrapResult;
  workers: Worker[];
  stop(): Promise<void>;
}

/** Jobs in flight get this long to finish on shutdown (a render is bounded at 15 s, a bulk chunk at a few). */
const DRAIN_MS = 30_000;
/** Closing queues and the database waits no longer than this (Redis may be gone). */
const CLOSE_MS = 5_000;

export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger(config.logLevel);
  let embeddedRedis: EmbeddedRedis | undefined;
  let releaseRedisDir: (() => void) | undefined;
  let runtime: Runtime | undefined;
  let workers: ReturnType<typeof startWorkers> | undefined;
  let server: http.Server | undefined;
  let rateLimits: RateLimits | undefined;

  // Stops what has started, each step bounded: a shutdown (or a failed start) always ends.
  const teardown = async () => {
    if (server?.listening) {
      const s = server;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeIdleConnections();
      const force = setTimeout(() => s.closeAllConnections(), 10_000);
      await closed;
      clearTimeout(force);
    }
    await rateLimits?.close();
    if (workers && !(await within(workers.close(), DRAIN_MS))) {
      logger.warn({ ms: DRAIN_MS }, 'jobs still running at shutdown: left to be retried by the next worker');
    }
    if (runtime && !(await within(runtime.close(), CLOSE_MS))) logger.warn({ ms: CLOSE_MS }, 'queues or database did not close in time');
    await embeddedRedis?.stop();
    releaseRedisDir?.();
  };

  try {
    let redisUrl = config.redisUrl;
    if (!redisUrl) {
      const dir = path.join(config.dataDir, 'redis');
      // Before anything starts: a second service on this data directory must not touch its Redis.
      releaseRedisDir = acquireDataDirLock(dir, 'embedded Redis');
      embeddedRedis = await startEmbeddedRedis({ binary: config.redisServerPath, dir });
      redisUrl = embeddedRedis.url;
      logger.info({ url: redisUrl, pid: embeddedRedis.pid }, 'embedded redis-server started');
    }
    runtime = await createRuntime({
      config,
      logger,
      redisUrl,
      database: opts.database ?? { url: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') },
      queuePrefix: opts.queuePrefix,
    });
    const bootstrap = await bootstrapDirectory(runtime.directory, { dataDir: config.dataDir, adminToken: config.adminToken });
    workers = opts.workers ? startWorkers(runtime) : undefined;

    let url: string | undefined;
    if (opts.api) {
      rateLimits = createRateLimits({ redis: runtime.redis, rules: config.rateLimits, logger });
      const app = createApp(runtime, { rateLimits });
      const s = (server = http.createServer(app));
      s.keepAliveTimeout = 65_000;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(config.port, config.host, () => resolve());
      });
      const port = (s.address() as AddressInfo).port;
      url = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`;
    }

    let stopping: Promise<void> | undefined;
    return {
      runtime,
      url,
      bootstrap,
      workers: workers?.workers ?? [],
      stop() {
        stopping ??= teardown();
        return stopping;
      },
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}
