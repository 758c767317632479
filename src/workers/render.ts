import type { Job, Worker } from 'bullmq';
import type { Runtime } from '../runtime.js';
import { createWorker } from '../queue/worker-factory.js';
import { QUEUE_NAMES } from '../queue/queues.js';
import { findChromium } from '../embedded/chromium.js';
import { createStoreRenderer, renderService } from '../rendering/render-service.js';
import type { Renderer } from '../rendering/renderer.js';
import { renderProcessor } from './render-processor.js';

/** Render jobs a worker process runs at once while it batches, at most (each holds a DB query or two). */
const MAX_BATCHING_JOBS = 64;

export interface RenderWorker {
  worker: Worker;
  renderer: Renderer;
  /** drains in-flight jobs, then closes Chromium (no browser process is left) */
  close(): Promise<void>;
}

/**
 * The render worker: one warm Chromium per process, `renderPages` reusable pages
 * (src/workers/render-processor.ts runs each job). As many jobs at once as pages, until most recent
 * certificates are of a template that stacks (certificate-batches.ts): then two full batches per
 * page (`renderPages × renderBatch × 2`, at most MAX_BATCHING_JOBS), so that while each page prints
 * a batch the next batch's jobs have loaded their assertions and wait in the print lanes. Jobs are
 * light until they print; the lanes bound what Chromium does at once. Back to one job per page as
 * soon as they are not: a template that prints alone gains nothing from waiting jobs, and a person's
 * download would wait behind them.
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
  const { renderPages, renderBatch } = rt.config;
  const batches = { maxBatch: renderBatch, lanes: renderPages };
  const service = renderService({ ...deps, assertionRepo, catalogRepo, renderer, batches });
  const processor = renderProcessor(
    service,
    executablePath,
    rt.logger,
    { notifier: rt.notifier, db: rt.db },
    rt.repos.bulkRenderRepo,
  );
  const batching = Math.min(renderPages * renderBatch * 2, MAX_BATCHING_JOBS);
  const worker = createWorker(
    rt,
    QUEUE_NAMES.render,
    async (job: Job) => {
      try {
        return await processor(job);
      } finally {
        const want = renderBatch > 1 && service.stacking() ? batching : renderPages;
        if (worker.concurrency !== want) worker.concurrency = want;
      }
    },
    renderPages,
  );
  return {
    worker,
    renderer,
    async close() {
      // renders still waiting for a lane fail now (retried by another worker), not after the others'
      service.close();
      await worker.close();
      await renderer.close();
    },
  };
}
