import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { domainRegistry } from '../metrics/domain-metrics.js';
import { metricsAuth } from './metrics-auth.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import type { Logger } from '../logger.js';

export interface WorkerMetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * `/metrics` of a worker-only process (WORKER_METRICS_PORT): its renders, deliveries and issued
 * counts, and its Node defaults. Counts stay in the process that made them; Prometheus scrapes
 * every worker as it scrapes every API replica (no shared counter store to keep consistent).
 */
export async function startWorkerMetricsServer(opts: {
  port: number;
  host: string;
  token?: string;
  logger: Logger;
}): Promise<WorkerMetricsServer> {
  const own = new Registry();
  collectDefaultMetrics({ register: own });
  const registry = Registry.merge([own, domainRegistry]);
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsAuth(opts.token), async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  app.use(notFoundHandler());
  app.use(errorHandler(opts.logger));
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? 'localhost' : opts.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
