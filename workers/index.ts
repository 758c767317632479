import type { Worker } from 'bullmq';
import type { Runtime } from '../src/runtime.js';
import { findChromium, CHROMIUM_MISSING } from '../src/embedded/chromium.js';
import { startIssuanceWorker } from './issuance.js';
import { startRenderWorker } from './render.js';

/** Every worker this process runs; `close` drains in-flight jobs before returning. */
export function startWorkers(rt: Runtime): { workers: Worker[]; close(): Promise<void> } {
  const render = startRenderWorker(rt);
  const workers = [startIssuanceWorker(rt), render.worker];
  // With the render worker in-process, "browser ready" means this pool's browser, when launched, is alive.
  rt.readiness.set('browser', async () => {
    if (!findChromium(rt.config.chromiumPath)) throw new Error(CHROMIUM_MISSING);
    const pid = render.renderer.stats().browserPid;
    if (pid) process.kill(pid, 0);
  });
  return {
    workers,
    async close() {
      await Promise.all(workers.filter((w) => w !== render.worker).map((w) => w.close()).concat(render.close()));
    },
  };
}
