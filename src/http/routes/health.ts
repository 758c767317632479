import type { Router } from 'express';
import type { Runtime } from '../../runtime.js';
import type { Metrics } from '../metrics.js';
import { metricsAuth } from '../metrics-auth.js';
import type { DrainState } from '../drain.js';

/** Liveness, readiness (every dependency, each with its own verdict) and Prometheus metrics. */
export function mountHealthRoutes(router: Router, rt: Runtime, metrics: Metrics, drain: DrainState): void {
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    // Shutting down: not ready, whatever the dependencies say, so load balancers move away first.
    if (drain.draining) {
      res.status(503).json({ status: 'shutting down', checks: {} });
      return;
    }
    const checks: Record<string, { ok: boolean; error?: string }> = {};
    await Promise.all(
      [...rt.readiness].map(async ([name, check]) => {
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 3 s')), 3000).unref()),
          ]);
          checks[name] = { ok: true };
        } catch (err) {
          checks[name] = { ok: false, error: (err as Error).message };
        }
      }),
    );
    const ready = Object.values(checks).every((c) => c.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });

  router.get('/metrics', metricsAuth(rt.config.metricsToken), async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
