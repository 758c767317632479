import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { within } from './time-bound.js';
import { openDatabase, pingDatabase, type DatabaseOptions, type Db } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import type { DirectoryService } from './directory/directory-service.js';
import { createAuthenticator, type Authenticator } from './auth/authenticator.js';
import { createQueueSet, type QueueSet, type RedisTarget } from './queue/queue-set.js';
import { findChromium, CHROMIUM_MISSING } from './embedded/chromium.js';
import { publicUrls, type PublicUrls } from './public-urls.js';
import type { IssuerKeyService } from './issuers/issuer-keys.js';
import { createServices, type Services } from './services.js';
import { createRepositories, type Repositories } from './db/repositories.js';
import type { FileStore } from './storage/file-store.js';
import { openFileStore, probeFileStore } from './storage/open-file-store.js';
import { cachedProbe } from './storage/cached-probe.js';
import { createNotifier, type Notifier } from './events/notifier.js';
import { redisInvalidationBus, type InvalidationBus } from './cache/invalidation-bus.js';

/**
 * Everything a process needs, built once from config: the database (migrated), the queues, and
 * the services routes and workers call (src/services.ts). Both the API and the workers are built on it.
 */
export interface Runtime {
  config: Config;
  logger: Logger;
  db: Db;
  dbKind: 'postgres' | 'pglite';
  redis: RedisTarget;
  queues: QueueSet;
  urls: PublicUrls;
  files: FileStore;
  /** every repository on `db` (src/db/repositories.ts) */
  repos: Repositories;
  services: Services;
  /** services.directory, which bootstrap, the CLI and the tenant middleware use */
  directory: DirectoryService;
  /** services.issuerKeys */
  issuerKeys: IssuerKeyService;
  authenticator: Authenticator;
  /** Issue 16: records events and enqueues the webhooks and emails they cause. */
  notifier: Notifier;
  /** Revocations and reissues reach the hot paths' in-process caches of every replica through it. */
  invalidation: InvalidationBus;
  /** Named readiness checks for /readyz; a check throws when its dependency is not usable. */
  readiness: Map<string, () => Promise<void>>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  config: Config;
  logger: Logger;
  redisUrl: string;
  database: DatabaseOptions;
  queuePrefix?: string;
  /** Start phases for a human watching the console (see ServiceOptions.onPhase). */
  onPhase?: (line: string) => void;
}

export async function createRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { config, logger } = opts;
  opts.onPhase?.(`opening the database (${opts.database.url ? 'PostgreSQL' : 'embedded PGlite'})`);
  const handle = await openDatabase({
    onConnectionError: (err) => logger.warn({ err: err.message }, 'database connection lost'),
    ...opts.database,
  });
  try {
    const applied = await migrateToLatest(handle.db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
    opts.onPhase?.(
      applied.length ? `database ready: ${applied.length} migrations applied` : 'database ready: up to date',
    );
  } catch (err) {
    await handle.close();
    throw err;
  }
  const redis: RedisTarget = { url: opts.redisUrl, prefix: opts.queuePrefix ?? config.queuePrefix };
  const queues = createQueueSet(redis, (err, source) =>
    logger.warn({ err: err.message, source }, 'queue connection error'),
  );
  const urls = publicUrls(config.publicBaseUrl);
  const files = openFileStore({ url: config.fileStore, dataDir: config.dataDir, s3: config.s3 });
  const repos = createRepositories(handle.db);
  const invalidation = redisInvalidationBus(redis, logger);
  const notifier = createNotifier({ queues, config: config.notify, logger, redis, invalidation });
  const services = createServices({
    config,
    logger,
    db: handle.db,
    queues,
    urls,
    files,
    repos,
    notifier,
    invalidation,
  });

  const readiness = new Map<string, () => Promise<void>>([
    ['database', () => pingDatabase(handle.db)],
    ['redis', () => queues.ping()],
    [
      'browser',
      async () => {
        if (!findChromium(config.chromiumPath)) throw new Error(CHROMIUM_MISSING);
      },
    ],
  ]);

  // A configured store (every split deployment has one) is probed; the all-in-one's own folder
  // fails with the disk, which the database check already sees. Its outcome is reused for a few
  // seconds: frequent health polls do not each write to the store.
  if (config.fileStore)
    readiness.set(
      'files',
      cachedProbe(() => probeFileStore(files)),
    );

  return {
    config,
    logger,
    db: handle.db,
    dbKind: handle.kind,
    redis,
    queues,
    urls,
    files,
    repos,
    services,
    directory: services.directory,
    issuerKeys: services.issuerKeys,
    authenticator: createAuthenticator(services.directory, config.auth),
    notifier,
    invalidation,
    readiness,
    async close() {
      // Worker threads end with the service: a stopped service leaves none running.
      await within(services.close(), 3000);
      // Queues cannot close against a Redis that is gone; the database must close regardless
      // (PGlite flushes on close), so it does not wait for them longer than a few seconds.
      await within(queues.close(), 3000);
      notifier.close();
      invalidation.close();
      await handle.close();
    },
  };
}
