import http from 'node:http';
import type { Worker } from 'bullmq';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createRuntime, type Runtime } from './runtime.js';
import { createApp } from './app.js';
import { bootstrapDirectory, type BootstrapResult } from './directory/bootstrap.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded/redis-server.js';
import type { DatabaseOptions } from './db/database.js';
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

export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger(config.logLevel);
  let embeddedRedis: EmbeddedRedis | undefined;
  let redisUrl = config.redisUrl;
  if (!redisUrl) {
    embeddedRedis = await startEmbeddedRedis({ binary: config.redisServerPath, dir: path.join(config.dataDir, 'redis') });
    redisUrl = embeddedRedis.url;
    logger.info({ url: redisUrl, pid: embeddedRedis.pid }, 'embedded redis-server started');
  }
  let runtime: Runtime;
  try {
    runtime = await createRuntime({
      config,
      logger,
      redisUrl,
      database: opts.database ?? { url: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') },
      queuePrefix: opts.queuePrefix,
    });
  } catch (err) {
    await embeddedRedis?.stop();
    throw err;
  }
  const bootstrap = await bootstrapDirectory(runtime.directory, { dataDir: config.dataDir, adminToken: config.adminToken });
  const workers = opts.workers ? startWorkers(runtime) : undefined;

  let server: http.Server | undefined;
  let url: string | undefined;
  if (opts.api) {
    const app = createApp(runtime);
    server = http.createServer(app);
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.port, config.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    url = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`;
  }

  let stopping: Promise<void> | undefined;
  return {
    runtime,
    url,
    bootstrap,
    workers: workers?.workers ?? [],
    stop() {
      stopping ??= (async () => {
        if (server) {
          const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
          server.closeIdleConnections();
          const force = setTimeout(() => server!.closeAllConnections(), 10_000);
          await closed;
          clearTimeout(force);
        }
        await workers?.close();
        await runtime.close();
        await embeddedRedis?.stop();
      })();
      return stopping;
    },
  };
}
