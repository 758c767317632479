/**
 * The API side of rendering: serve an assertion's rendered file, rendering it on demand, and
 * queue re-renders. Never renders in the API process: it asks the render queue and waits.
 */
import { createHash } from 'node:crypto';
import type { QueueSet } from '../queue/queue-set.js';
import type { FileStore } from '../storage/file-store.js';
import type { AssertionRepository } from '../db/assertion-repository.js';
import type { CatalogRepository } from '../db/catalog-repository.js';
import type { RenderRepository } from '../db/render-repository.js';
import { NotFoundError, UnavailableError } from '../errors.js';
import { enqueueAndWait } from '../queue/enqueue-and-wait.js';
import { RENDER_PRIORITY, renderJobId, rerenderJobId } from './render-jobs.js';
import {
  DEFAULT_JOB_FILES,
  RENDER_FILE_TYPES,
  downloadName,
  jobFileFor,
  renderJobFiles,
  renderKey,
  type RenderFileName,
} from './render-files.js';
import { isTemplateFailure } from './errors.js';

/** How long a download waits for its on-demand render before answering 503 + Retry-After. */
export const RENDER_WAIT_MS = 30_000;
export const RENDER_RETRY_AFTER_S = 5;

export interface RenderedDownload {
  body: Buffer;
  contentType: string;
  filename: string;
  /** strong ETag: template version + content hash */
  etag: string;
}

const ENQUEUE_BATCH = 500;

/** Short: a file changes when its template does (its ETag then too); revalidation is a cheap 304. */
export const DOWNLOAD_CACHE_CONTROL = 'public, max-age=300';

export interface RenderedDownloadDeps {
  assertionRepo: AssertionRepository;
  catalogRepo: CatalogRepository;
  renderRepo: RenderRepository;
  queues: QueueSet;
  files: FileStore;
  /** S3_PRESIGNED_DOWNLOADS: redirect downloads to the store (only where it can presign). */
  presign?: boolean;
}

/**
 * The assertion's queued render that will write `file`: its issue's (`render-<id>`) or the
 * re-render at this version, while it is still queued or running (not one retrying after a
 * failure). A download waits for that one rather than rendering the file a second time (the later
 * write would replace the file, and with it the ETag clients hold).
 */
async function queuedWriter(queue: QueueSet['render'], assertionId: string, version: number, file: RenderFileName) {
  const wanted = jobFileFor(file);
  const jobs = await Promise.all(
    [renderJobId(assertionId), rerenderJobId(assertionId, version)].map((id) => queue.getJob(id)),
  );
  for (const job of jobs) {
    if (!job || !renderJobFiles(job.data.files, job.opts.priority).includes(wanted)) continue;
    const state = await job.getState();
    if (state !== 'prioritized' && state !== 'waiting' && state !== 'active') continue;
    // A bulk's render waits behind thousands; a person now waits on this one.
    if (state !== 'active' && job.priority > RENDER_PRIORITY.onDemand) {
      // It may have started meanwhile: then there is nothing to raise.
      await job.changePriority({ priority: RENDER_PRIORITY.onDemand }).catch(() => undefined);
    }
    return job;
  }
  return undefined;
}

/** Deterministic per assertion, version and file: concurrent downloads share one job. */
const onDemandJobId = (assertionId: string, version: number, file: RenderFileName) =>
  `render-${assertionId}-v${version}-${file.replace('.', '-')}`;

/** This download's own job for the file (shared by concurrent downloads of it). */
async function renderOwn(
  queues: QueueSet,
  org: string,
  assertionId: string,
  version: number,
  file: RenderFileName,
  waitMs: number,
): Promise<void> {
  const queue = queues.render;
  const jobId = onDemandJobId(assertionId, version, file);
  let job = await queue.getJob(jobId);
  const state = job && (await job.getState());
  // The template at this version cannot render: say so again rather than let every public
  // request re-run it (the job id carries the version, so a template fix starts afresh).
  if (job && state === 'failed' && isTemplateFailure(job.failedReason)) {
    throw new UnavailableError(`The file could not be rendered: ${job.failedReason.slice(0, 300)}`);
  }
  // A finished job of this id is kept for a day; its file is missing, so run it again.
  if (job && (state === 'completed' || state === 'failed')) {
    await job.remove().catch(() => undefined);
    job = undefined;
  }
  const { outcome } = await enqueueAndWait(
    queue,
    () => queues.renderEvents(),
    async () =>
      job ??
      queue.add(
        'render',
        { org, requestedBy: 'public-download', assertionId, files: [jobFileFor(file)] },
        { jobId, priority: RENDER_PRIORITY.onDemand, attempts: 3, backoff: { type: 'fixed', delay: 500 } },
      ),
    // Queued even when the wait is used up: the next request finds it done or running.
    Math.max(0, waitMs),
  );
  if (outcome.state === 'failed') {
    throw new UnavailableError(`The file could not be rendered: ${outcome.reason.slice(0, 300)}`);
  }
  if (outcome.state === 'pending') throw new UnavailableError('The file is being rendered; try again shortly.');
}

export function renderedDownloads(deps: RenderedDownloadDeps) {
  /**
   * Waits (up to RENDER_WAIT_MS in all) until the file is stored: by the assertion's queued render
   * when one will write it, else by a job of this download's own.
   */
  async function renderAndWait(org: string, assertionId: string, version: number, file: RenderFileName): Promise<void> {
    const queue = deps.queues.render;
    const started = Date.now();
    // A plain command first: with Redis down it fails at once (503), where opening the events
    // stream would wait for the connection.
    const writer = await queuedWriter(queue, assertionId, version, file);
    // Opened before any wait: a completion cannot come before the stream is read.
    await deps.queues.renderEvents().waitUntilReady();
    if (writer) {
      const { outcome } = await enqueueAndWait(
        queue,
        () => deps.queues.renderEvents(),
        async () => writer,
        RENDER_WAIT_MS,
      );
      // Its outcome covers all its files: what counts is whether this one is stored now.
      if (await deps.files.exists(renderKey(org, assertionId, version, jobFileFor(file)))) return;
      if (outcome.state === 'pending') throw new UnavailableError('The file is being rendered; try again shortly.');
      // It failed (on another file, or for good), or wrote another version: this file is ours to render.
    }
    await renderOwn(deps.queues, org, assertionId, version, file, RENDER_WAIT_MS - (Date.now() - started));
  }

  /** The file's key and names. Unknown → 404; revoked → 404 with the reason (as the public JSON routes). */
  async function target(assertionId: string, file: RenderFileName) {
    const a = await deps.assertionRepo.getAssertionSummaryById(assertionId);
    if (!a) throw new NotFoundError(`Assertion "${assertionId}" does not exist.`);
    if (a.revoked_at) {
      throw new NotFoundError('This assertion has been revoked.', {
        detail: 'This assertion has been revoked.',
        revocationReason: a.revocation_reason,
      });
    }
    const credential = await deps.catalogRepo.getCredentialById(a.credential_id);
    if (!credential) throw new NotFoundError(`Credential "${a.credential_id}" does not exist.`);
    const version = credential.template_version;
    return {
      org: a.org,
      id: a.id,
      version,
      key: renderKey(a.org, a.id, version, file),
      contentType: RENDER_FILE_TYPES[file],
      filename: downloadName(credential.name, a.recipient_name, file),
    };
  }

  /** The file is not stored yet: render it now and wait (bounded), unless it never will exist. */
  async function renderMissing(t: { org: string; id: string; version: number }, file: RenderFileName): Promise<void> {
    // The SVG badge exists only for SVG badge images: once the PNG badge is there, it never will.
    if (file === 'badge.svg' && (await deps.files.exists(renderKey(t.org, t.id, t.version, 'badge.png')))) {
      throw new NotFoundError('This badge has no SVG form; use badge.png.');
    }
    await renderAndWait(t.org, t.id, t.version, file);
  }

  return {
    /**
     * The file at the credential's current template version; rendered on demand when missing.
     * Unknown → 404; revoked → 404 with the reason (as the public JSON routes); not ready in time → 503.
     */
    async get(assertionId: string, file: RenderFileName): Promise<RenderedDownload> {
      const t = await target(assertionId, file);
      let stored = await deps.files.get(t.key);
      if (!stored) {
        await renderMissing(t, file);
        stored = await deps.files.get(t.key);
        if (!stored && file === 'badge.svg') throw new NotFoundError('This badge has no SVG form; use badge.png.');
        if (!stored) throw new UnavailableError('The file is being rendered; try again shortly.');
      }
      const hash = createHash('sha256').update(stored.body).digest('base64url').slice(0, 27);
      return {
        body: stored.body,
        contentType: t.contentType,
        filename: t.filename,
        etag: `"v${t.version}-${hash}"`,
      };
    },

    /** Whether downloads answer a redirect to a presigned store URL (S3_PRESIGNED_DOWNLOADS with an S3 store). */
    presigns: Boolean(deps.presign && deps.files.presignedUrl),

    /**
     * A time-limited URL of the store for the file (rendered on demand first when missing), with
     * the same checks as `get`: the store serves the bytes, its ETag, Content-Length and ranges.
     */
    async presigned(assertionId: string, file: RenderFileName): Promise<{ url: string; filename: string }> {
      const t = await target(assertionId, file);
      if (!(await deps.files.exists(t.key))) {
        await renderMissing(t, file);
        if (!(await deps.files.exists(t.key))) {
          if (file === 'badge.svg') throw new NotFoundError('This badge has no SVG form; use badge.png.');
          throw new UnavailableError('The file is being rendered; try again shortly.');
        }
      }
      const url = await deps.files.presignedUrl!(t.key, {
        contentType: t.contentType,
        filename: t.filename,
        cacheControl: DOWNLOAD_CACHE_CONTROL,
      });
      return { url, filename: t.filename };
    },

    /** Queues low-priority re-renders of every live assertion of a credential of `org`; returns how many. */
    async rerenderCredential(
      org: string,
      requestedBy: string,
      credentialId: string,
    ): Promise<{ count: number; templateVersion: number }> {
      // A new version: files rendered before (by an older default template, fonts, or anything
      // else a certificate shows) are replaced, not kept because they exist.
      const [version] = await deps.catalogRepo.bumpTemplateVersions(org, { credentialId });
      if (version === undefined) throw new NotFoundError(`Credential "${credentialId}" does not exist.`);
      const ids = await deps.renderRepo.listLiveAssertionIds(org, credentialId);
      for (let i = 0; i < ids.length; i += ENQUEUE_BATCH) {
        await deps.queues.render.addBulk(
          ids.slice(i, i + ENQUEUE_BATCH).map((assertionId) => ({
            name: 'render' as const,
            data: { org, requestedBy, assertionId, files: [...DEFAULT_JOB_FILES], fresh: true },
            // Per version: asking again at the same version is a no-op while the first is kept.
            opts: { jobId: rerenderJobId(assertionId, version), priority: RENDER_PRIORITY.rerender },
          })),
        );
      }
      return { count: ids.length, templateVersion: version };
    },
  };
}
