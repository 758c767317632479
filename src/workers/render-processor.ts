import { UnrecoverableError, type Job } from 'bullmq';
import { CHROMIUM_MISSING } from '../embedded/chromium.js';
import type { Logger } from '../logger.js';
import { RenderLimitError, RenderRetryableError } from '../rendering/errors.js';
import { renderJobFiles } from '../rendering/render-files.js';
import type { RenderJob } from '../rendering/render-jobs.js';
import type { RenderService } from '../rendering/render-service.js';
import type { Db } from '../db/database.js';
import type { Notifier } from '../events/notifier.js';
import { renderEvent } from '../events/job-events.js';
import type { BulkRenderRepository } from '../db/bulk-render-repository.js';
import { renderJobs } from '../metrics/domain-metrics.js';

/**
 * Timeouts a render job may have: the second is the template's fault (a page that hangs or takes
 * too long would otherwise hold a pool page for the full time limit on every one of its attempts).
 */
export const RENDER_TIMEOUTS_PER_JOB = 2;

/**
 * The first start of a job queued for keys nothing wrote yet. attemptsStarted counts stalled
 * restarts too (a worker killed mid-job): such a try may find files written before the kill.
 */
const isFirstTry = (job: Job<RenderJobData>) =>
  job.data.fresh === true && job.attemptsMade === 0 && job.attemptsStarted <= 1;

/** The job's data with the count of its timed-out tries, kept in the job across its attempts. */
type RenderJobData = RenderJob['data'] & { renderTimeouts?: number };

/**
 * Runs a render job. A template at fault (page/size limit, merge error, a second timeout, an
 * image over the pixel budget) fails the job for good with its reason; a crashed or hung browser
 * is replaced by the pool and the job retried.
 */
export function renderProcessor(
  service: RenderService,
  executablePath: string | undefined,
  logger: Logger,
  events?: { notifier: Notifier; db: Db },
  bulkRenders?: Pick<BulkRenderRepository, 'settle'>,
) {
  return async (job: Job<RenderJobData>) => {
    if (!executablePath) throw new Error(CHROMIUM_MISSING);
    const files = renderJobFiles(job.data.files, job.opts.priority);
    const timeouts = job.data.renderTimeouts ?? 0;
    // Issue 16: `render.completed` / `render.failed` (the final failure only); never fails the job.
    const emit = (outcome: { files: string[] } | { reason: string }) =>
      events?.notifier
        .emit(events.db, [renderEvent(job.data.org, job.data.assertionId, outcome)])
        .catch((err: Error) => logger.warn({ job: job.id, err: err.message }, 'render event not recorded'));
    try {
      const outcome = await service.render(job.data.assertionId, files, {
        timeoutIsFinal: timeouts + 1 >= RENDER_TIMEOUTS_PER_JOB,
        skipExistenceCheck: isFirstTry(job),
        priority: job.priority,
      });
      if (outcome.rendered.length) await emit({ files: outcome.rendered });
      // A bulk's progress counts this assertion once its files are stored. Not swallowed: a lost
      // update would leave the bulk pending forever, and the retry finds the files and settles.
      await bulkRenders?.settle(job.data.assertionId, outcome.skipped ? 'skipped' : 'rendered');
      renderJobs.inc({ outcome: outcome.skipped ? 'skipped' : 'completed' });
      return outcome;
    } catch (e) {
      const final = e instanceof RenderLimitError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      renderJobs.inc({ outcome: final ? 'failed' : 'retrying' });
      if (final) {
        await emit({ reason: e instanceof RenderLimitError ? `${e.reason}: ${e.message}` : String(e) });
        await bulkRenders
          ?.settle(job.data.assertionId, 'failed')
          .catch((err: Error) => logger.warn({ job: job.id, err: err.message }, 'bulk render failure not recorded'));
      }
      if (e instanceof RenderLimitError) throw new UnrecoverableError(`${e.reason}: ${e.message}`);
      if (e instanceof RenderRetryableError && e.reason === 'timeout') {
        // Lost on a Redis hiccup, the count only costs one more try.
        await job.updateData({ ...job.data, renderTimeouts: timeouts + 1 }).catch((err: Error) => {
          logger.warn({ job: job.id, err: err.message }, 'could not record the render timeout');
        });
      }
      throw e;
    }
  };
}
