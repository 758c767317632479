import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics, Gauge } from 'prom-client';
import { domainRegistry } from '../metrics/domain-metrics.js';

/**
 * Prometheus metrics of one process: HTTP traffic, queue depth (read at scrape time), Node
 * defaults, and what the process did (src/metrics/domain-metrics.ts: issued, revoked, renders,
 * verifications, deliveries, including those of the workers an all-in-one process runs).
 */
export function createMetrics(queueCounts?: () => Promise<Record<string, Record<string, number>>>) {
  const own = new Registry();
  collectDefaultMetrics({ register: own });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [own],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [own],
  });
  if (queueCounts) {
    new Gauge({
      name: 'queue_jobs',
      help: 'BullMQ jobs by queue and state',
      labelNames: ['queue', 'state'],
      registers: [own],
      async collect() {
        this.reset();
        for (const [queue, counts] of Object.entries(await queueCounts())) {
          for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
        }
      },
    });
  }

  const middleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      // The route pattern, not the URL: ids in paths would explode the label set.
      // res.locals.route: answered before the router (src/http/public-answers.ts).
      const route = req.route?.path
        ? String(req.baseUrl + req.route.path)
        : typeof res.locals.route === 'string'
          ? res.locals.route
          : 'unmatched';
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      end({ method: req.method, route });
    });
    next();
  };
  return { registry: Registry.merge([own, domainRegistry]), middleware };
}

export type Metrics = ReturnType<typeof createMetrics>;
