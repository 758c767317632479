import { loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { startService } from './service.js';
import { runUntilSignal } from './process-signals.js';
import cluster from 'node:cluster';
import { runApiCluster } from './api-cluster.js';

/** The API process of a production split: stateless, against REDIS_URL and DATABASE_URL. */
export async function server(): Promise<void> {
  const config = loadConfig();
  requireSharedServices(config, 'api');
  const logger = createLogger(config.logLevel);
  if (config.apiProcesses > 1 && cluster.isPrimary) return runApiCluster(config.apiProcesses, logger);
  const svc = await startService({ config, api: true, workers: false, logger });
  process.stdout.write(`badgeworks api listening on ${svc.url}\nbadgeworks ready: api (pid ${process.pid})\n`);
  await runUntilSignal(svc.stop, logger, { supervised: cluster.isWorker });
}

/** The worker process of a production split. */
export async function worker(): Promise<void> {
  const config = loadConfig();
  requireSharedServices(config, 'worker');
  const logger = createLogger(config.logLevel);
  const svc = await startService({ config, api: false, workers: true, logger });
  if (svc.metricsUrl) process.stdout.write(`badgeworks worker metrics on ${svc.metricsUrl}\n`);
  process.stdout.write(`badgeworks ready: workers (pid ${process.pid}, database ${svc.runtime.dbKind})\n`);
  await runUntilSignal(svc.stop, logger);
}

function requireSharedServices(config: Config, role: string): void {
  // Separate processes cannot share the embedded PGlite, a private redis-server, or a key file.
  const hint = '(use `badgeworks start` for the all-in-one)';
  if (!config.databaseUrl) throw new Error(`badgeworks ${role} needs DATABASE_URL ${hint}.`);
  if (!config.redisUrl) throw new Error(`badgeworks ${role} needs REDIS_URL ${hint}.`);
  if (!config.keyEncryptionKey)
    throw new Error(`badgeworks ${role} needs KEY_ENCRYPTION_KEY, the same in every process ${hint}.`);
  // Files one node writes (rendered certificates, badges, images) are read by every other node.
  if (!config.fileStore)
    throw new Error(
      `badgeworks ${role} needs FILE_STORE, a store every node shares: s3://bucket/prefix, ` +
        `or file:///path on a folder all nodes mount ${hint}.`,
    );
}
