import type { Worker } from 'bullmq';
import type { Runtime } from '../runtime.js';
import { createWorker } from '../queue/worker-factory.js';
import { QUEUE_NAMES } from '../queue/queues.js';
import { findChromium } from '../embedded/chromium.js';
import { createStoreRenderer, renderService } from '../rendering/render-service.js';
import type { Renderer } from '../rendering/renderer.js';
import { renderProcessor } from './render-processor.js';

export interface RenderWorker {
  worker: Worker;
  renderer: Renderer;
  /** drains in-flight jobs, then closes Chromium (no browser process is left) */
  close(): Promise<void>;
}

/**
 * The render worker: one warm Chromium per process, `renderPages` reusable pages, as many jobs at
 * once as pages (src/workers/render-processor.ts runs each job).
 */
export function startRenderWorker(rt: Runtime): RenderWorker {
  const executablePath = findChromium(rt.config.chromiumPath);
  const deps = { db: rt.db, files: rt.files, urls: rt.urls, logger: rt.logger, imageBudget: rt.config.imageBudget };
  const renderer = createStoreRenderer(deps, {
    executablePath,
    pages: rt.config.renderPages,
    renderTimeoutMs: rt.config.renderTimeoutMs,
    logger: rt.logger,
  });
  const { assertionRepo, catalogRepo } = rt.repos;
  const service = renderService({ ...deps, assertionRepo, catalogRepo, renderer });
  const processor = renderProcessor(
    service,
    executablePath,
    rt.logger,
    { notifier: rt.notifier, db: rt.db },
    rt.repos.bulkRenderRepo,
  );
  const worker = createWorker(rt, QUEUE_NAMES.render, processor, rt.config.renderPages);
  return {
    worker,
    renderer,
    async close() {
      await worker.close();
      await renderer.close();
    },
  };
}
