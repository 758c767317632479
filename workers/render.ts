import { UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { Runtime } from '../src/runtime.js';
import { createWorker } from '../src/queue/worker-factory.js';
import { QUEUE_NAMES, RENDER_PRIORITY, type RenderJob } from '../src/queue/queues.js';
import { findChromium, CHROMIUM_MISSING } from '../src/embedded/chromium.js';
import { createStoreRenderer, renderService } from '../src/rendering/render-service.js';
import { RenderLimitError } from '../src/rendering/errors.js';
import type { Renderer } from '../src/rendering/renderer.js';
import { RENDER_FILE_NAMES } from '../src/rendering/render-files.js';

export interface RenderWorker {
  worker: Worker;
  renderer: Renderer;
  /** drains in-flight jobs, then closes Chromium (no browser process is left) */
  close(): Promise<void>;
}

/**
 * The render worker: one warm Chromium per process, `renderPages` reusable pages, as many jobs at
 * once as pages. A template at fault (page/size limit, merge error) fails the job for good with its
 * reason; a crashed or hung browser is replaced by the pool and the job retried.
 */
export function startRenderWorker(rt: Runtime): RenderWorker {
  const executablePath = findChromium(rt.config.chromiumPath);
  const deps = { db: rt.db, files: rt.files, urls: rt.urls, logger: rt.logger };
  const renderer = createStoreRenderer(deps, {
    executablePath,
    pages: rt.config.renderPages,
    logger: rt.logger,
  });
  const service = renderService(deps, renderer);
  const worker = createWorker(
    rt,
    QUEUE_NAMES.render,
    async (job: Job<RenderJob['data']>) => {
      if (!executablePath) throw new Error(CHROMIUM_MISSING);
      // A single issue is waited on by a person: it gets its PNG too; bulks get it on first request.
      const files = job.data.files ?? (job.opts.priority === RENDER_PRIORITY.single ? RENDER_FILE_NAMES.filter((f) => f !== 'badge.svg') : undefined);
      try {
        return await service.render(job.data.assertionId, files);
      } catch (e) {
        if (e instanceof RenderLimitError) throw new UnrecoverableError(`${e.reason}: ${e.message}`);
        throw e;
      }
    },
    rt.config.renderPages,
  );
  return {
    worker,
    renderer,
    async close() {
      await worker.close();
      await renderer.close();
    },
  };
}
