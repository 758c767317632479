import http from 'node:http';
import type { Worker } from 'bullmq';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createRuntime, type Runtime } from './runtime.js';
import { createApp } from './app.js';
import { createRateLimits, type RateLimits } from './http/rate-limit.js';
import { drainState } from './http/drain.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { bootstrapDirectory, type BootstrapResult } from './directory/bootstrap.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded/redis-server.js';
import type { DatabaseOptions } from './db/database.js';
import { acquireDataDirLock } from './db/data-dir-lock.js';
import { within } from './time-bound.js';
import { startWorkers } from './workers/index.js';
import { startWorkerMetricsServer, type WorkerMetricsServer } from './http/worker-metrics-server.js';

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
  /** One human line per start phase (all-in-one start), so a slow first start does not look hung. */
  onPhase?: (line: string) => void;
}

export interface RunningService {
  runtime: Runtime;
  url?: string;
  bootstrap: BootstrapResult;
  workers: Worker[];
  /** A worker-only process with WORKER_METRICS_PORT: the URL of its own /metrics. */
  metricsUrl?: string;
  stop(): Promise<void>;
}

/** Jobs in flight get this long to finish on shutdown (a render is bounded at 15 s, a bulk chunk at a few). */
const DRAIN_MS = 30_000;
/** Closing queues and the database waits no longer than this (Redis may be gone). */
const CLOSE_MS = 5_000;
/** Requests in flight when the listener closes get this long; then their connections are cut. */
const REQUESTS_MS = 10_000;

export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger(config.logLevel);
  let embeddedRedis: EmbeddedRedis | undefined;
  let releaseRedisDir: (() => void) | undefined;
  let runtime: Runtime | undefined;
  let workers: ReturnType<typeof startWorkers> | undefined;
  let server: http.Server | undefined;
  let rateLimits: RateLimits | undefined;
  let workerMetrics: WorkerMetricsServer | undefined;
  const drain = drainState();

  // Stops what has started, each step bounded: a shutdown (or a failed start) always ends.
  const teardown = async () => {
    if (server?.listening) {
      const s = server;
      // First /readyz turns 503 while everything is still served (each response now closes its
      // connection), so a load balancer moves away before the listener goes.
      drain.begin();
      if (config.shutdownDelayMs > 0) await sleep(config.shutdownDelayMs);
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      // Idle keep-alive sockets go now; busy ones end after their response (Connection: close), and
      // the sweep catches any whose headers left before the drain began.
      s.closeIdleConnections();
      const sweep = setInterval(() => s.closeIdleConnections(), 100);
      const force = setTimeout(() => s.closeAllConnections(), REQUESTS_MS);
      await closed;
      clearInterval(sweep);
      clearTimeout(force);
    }
    await rateLimits?.close();
    await workerMetrics?.close();
    if (workers && !(await within(workers.close(), DRAIN_MS))) {
      logger.warn({ ms: DRAIN_MS }, 'jobs still running at shutdown: left to be retried by the next worker');
    }
    if (runtime && !(await within(runtime.close(), CLOSE_MS)))
      logger.warn({ ms: CLOSE_MS }, 'queues or database did not close in time');
    await embeddedRedis?.stop();
    releaseRedisDir?.();
  };

  try {
    let redisUrl = config.redisUrl;
    if (!redisUrl) {
      const dir = path.join(config.dataDir, 'redis');
      // Before anything starts: a second service on this data directory must not touch its Redis.
      releaseRedisDir = acquireDataDirLock(dir, 'embedded Redis');
      opts.onPhase?.(`starting Redis (embedded redis-server, data in ${dir})`);
      embeddedRedis = await startEmbeddedRedis({ binary: config.redisServerPath, dir });
      redisUrl = embeddedRedis.url;
      logger.info({ url: redisUrl, pid: embeddedRedis.pid }, 'embedded redis-server started');
      opts.onPhase?.(`Redis ready (pid ${embeddedRedis.pid})`);
    } else opts.onPhase?.('Redis: using REDIS_URL');
    runtime = await createRuntime({
      config,
      logger,
      redisUrl,
      database: opts.database ?? { url: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') },
      queuePrefix: opts.queuePrefix,
      onPhase: opts.onPhase,
    });
    const bootstrap = await bootstrapDirectory(runtime.directory, {
      dataDir: config.dataDir,
      adminToken: config.adminToken,
    });
    if (opts.workers) opts.onPhase?.(`starting workers (${config.workers.join(', ')})`);
    workers = opts.workers ? startWorkers(runtime) : undefined;

    let url: string | undefined;
    if (opts.api) {
      rateLimits = createRateLimits({ redis: runtime.redis, rules: config.rateLimits, logger });
      const app = createApp(runtime, { rateLimits, drain });
      const s = (server = http.createServer(app));
      s.keepAliveTimeout = 65_000;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(config.port, config.host, () => resolve());
      });
      const port = (s.address() as AddressInfo).port;
      url = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`;
    }

    // Without the API in the process, its counts would be scraped nowhere: it serves its own.
    if (opts.workers && !opts.api && config.workerMetricsPort !== undefined) {
      workerMetrics = await startWorkerMetricsServer({
        port: config.workerMetricsPort,
        host: config.host,
        token: config.metricsToken,
        logger,
      });
    }

    let stopping: Promise<void> | undefined;
    return {
      runtime,
      url,
      metricsUrl: workerMetrics?.url,
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
