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
 * The render worker: one warm Chromium per process, `renderPages` reusable pages
 * (src/workers/render-processor.ts runs each job). Jobs run two full batches per page at once
 * (`renderPages × renderBatch × 2`): while each page prints a batch, the next batch's jobs load their
 * assertions and wait, so a page never waits for jobs (certificate-batches.ts). Jobs are light
 * until they print (a few queries); the pool bounds what Chromium does at once.
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
  const concurrency = renderBatch > 1 ? renderPages * renderBatch * 2 : renderPages;
  const worker = createWorker(rt, QUEUE_NAMES.render, processor, concurrency);
  return {
    worker,
    renderer,
    async close() {
      await worker.close();
      await renderer.close();
    },
  };
}
