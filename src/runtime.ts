import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { within } from './time-bound.js';
import { openDatabase, pingDatabase, type DatabaseOptions, type Db } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { directoryRepository } from './db/directory-repository.js';
import { directoryService, type DirectoryService } from './directory/directory-service.js';
import { createAuthenticator, type Authenticator } from './auth/authenticator.js';
import { createQueueSet, type QueueSet, type RedisTarget } from './queue/queue-set.js';
import { findChromium, CHROMIUM_MISSING } from './embedded/chromium.js';
import { publicUrls, type PublicUrls } from './public-urls.js';
import { loadOrCreateMasterKey } from './issuers/master-key.js';
import { issuerKeyService, type IssuerKeyService } from './issuers/issuer-keys.js';
import type { FileStore } from './storage/file-store.js';
import { filesystemStore } from './storage/filesystem-store.js';
import path from 'node:path';
import { createNotifier, type Notifier } from './events/notifier.js';

/**
 * Everything a process needs, built once from config: the database (migrated), the queues, and
 * the services routes and workers call. Both the API and the workers are built on it.
 */
export interface Runtime {
  config: Config;
  logger: Logger;
  db: Db;
  dbKind: 'postgres' | 'pglite';
  redis: RedisTarget;
  queues: QueueSet;
  directory: DirectoryService;
  authenticator: Authenticator;
  urls: PublicUrls;
  issuerKeys: IssuerKeyService;
  files: FileStore;
  /** Issue 16: records events and enqueues the webhooks and emails they cause. */
  notifier: Notifier;
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
}

export async function createRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { config, logger } = opts;
  const handle = await openDatabase({
    onConnectionError: (err) => logger.warn({ err: err.message }, 'database connection lost'),
    ...opts.database,
  });
  try {
    const applied = await migrateToLatest(handle.db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
  } catch (err) {
    await handle.close();
    throw err;
  }
  const redis: RedisTarget = { url: opts.redisUrl, prefix: opts.queuePrefix ?? config.queuePrefix };
  const queues = createQueueSet(redis, (err, source) =>
    logger.warn({ err: err.message, source }, 'queue connection error'),
  );
  const directory = directoryService(directoryRepository(handle.db));
  const authenticator = createAuthenticator(directory, config.auth);
  const urls = publicUrls(config.publicBaseUrl);
  const issuerKeys = issuerKeyService(handle.db, loadOrCreateMasterKey(config.keyEncryptionKey, config.dataDir), urls);

  const notifier = createNotifier({ queues, config: config.notify, logger, redis });

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

  return {
    config,
    logger,
    db: handle.db,
    dbKind: handle.kind,
    redis,
    queues,
    directory,
    authenticator,
    urls,
    issuerKeys,
    files: filesystemStore(path.join(config.dataDir, 'files')),
    notifier,
    readiness,
    async close() {
      // Queues cannot close against a Redis that is gone; the database must close regardless
      // (PGlite flushes on close), so it does not wait for them longer than a few seconds.
      await within(queues.close(), 3000);
      notifier.close();
      await handle.close();
    },
  };
}
