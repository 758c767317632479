import type { Worker } from 'bullmq';
import type { Runtime } from '../runtime.js';
import { findChromium, CHROMIUM_MISSING } from '../embedded/chromium.js';
import { startIssuanceWorker } from './issuance.js';
import { startRenderWorker } from './render.js';

/** Every worker this process runs; `close` drains in-flight jobs before returning. */
export function startWorkers(rt: Runtime): { workers: Worker[]; close(): Promise<void> } {
  const issuance = rt.config.workers.includes('issuance') ? startIssuanceWorker(rt) : undefined;
  const render = rt.config.workers.includes('render') ? startRenderWorker(rt) : undefined;
  if (render) {
    // With the render worker in-process, "browser ready" means this pool's browser, when launched, is alive.
    rt.readiness.set('browser', async () => {
      if (!findChromium(rt.config.chromiumPath)) throw new Error(CHROMIUM_MISSING);
      const pid = render.renderer.stats().browserPid;
      if (pid) process.kill(pid, 0);
    });
  }
  const workers = [issuance, render?.worker].filter((w): w is Worker => w !== undefined);
  return {
    workers,
    async close() {
      await Promise.all([issuance?.close(), render?.close()]);
    },
  };
}
