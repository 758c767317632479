import type { Worker } from 'bullmq';
import type { Runtime } from '../runtime.js';
import { findChromium, CHROMIUM_MISSING } from '../embedded/chromium.js';
import { startIssuanceWorker } from './issuance.js';
import { startRenderWorker } from './render.js';
import { startWebhookWorker } from '../webhooks/webhook-worker.js';
import { startMailWorker } from '../mail/mail-worker.js';

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
  // Issue 16: webhooks out and email to recipients (the mail worker only with SMTP_URL set).
  const webhooks = rt.config.workers.includes('webhooks') ? startWebhookWorker(rt) : undefined;
  const mail = rt.config.workers.includes('mail') && rt.config.notify.mail ? startMailWorker(rt) : undefined;
  const workers = [issuance, render?.worker, webhooks, mail?.worker].filter((w): w is Worker => w !== undefined);
  return {
    workers,
    async close() {
      await Promise.all([issuance?.close(), render?.close(), webhooks?.close(), mail?.close()]);
    },
  };
}
