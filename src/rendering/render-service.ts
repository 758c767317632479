/**
 * The render worker's service: turns one assertion into its certificate PDF/PNG and baked badge,
 * stored under keys of the credential's current template version (render-files.ts).
 *
 * It holds no signing keys: the PDF carries and the badge bakes the VC-JWT stored at issue.
 * Images reach Chromium only through `loadAsset`, from the file store, and only images of the
 * assertion's own org (a template cannot pull another tenant's files into its certificate).
 */
import type { Db } from '../db/database.js';
import type { FileStore } from '../storage/file-store.js';
import type { PublicUrls } from '../public-urls.js';
import type { Logger } from '../logger.js';
import type { AssertionRepository } from '../db/assertion-repository.js';
import { catalogRepository, type CatalogRepository } from '../db/catalog-repository.js';
import { DEFAULT_IMAGE_BUDGET, type ImageBudget } from '../catalog/image-dimensions.js';
import { attachCredentialToPdf } from '../openbadges/pdf-credential.js';
import { publicRecipientName } from '../recipient-name.js';
import { badgeBaker } from './badge-baking.js';
import { certificateBatches } from './certificate-batches.js';
import { certificateMarkup } from './certificate-markup.js';
import { RenderLimitError, RenderRetryableError } from './errors.js';
import { DEFAULT_JOB_FILES, renderKey, type RenderFileName } from './render-files.js';
import { createRenderer, type Renderer, type RendererOptions, type LoadedAsset } from './renderer.js';
import { overBudget, storedImageKey } from './stored-images.js';
import { measureRender } from '../metrics/domain-metrics.js';

/** The metrics' outcome of a failed render: the template's fault, a timeout, anything else. */
const renderFailure = (e: unknown) =>
  e instanceof RenderLimitError
    ? 'limit'
    : e instanceof RenderRetryableError && e.reason === 'timeout'
      ? 'timeout'
      : 'error';

export interface RenderDeps {
  db: Db;
  files: FileStore;
  urls: PublicUrls;
  logger?: Logger;
  /**
   * Stored images over this budget are never drawn nor baked (uploads are refused over it; images
   * stored before the check may be): default DEFAULT_IMAGE_BUDGET.
   */
  imageBudget?: ImageBudget;
}

export interface RenderCallOptions {
  /**
   * This try is the job's last chance against the time limit (it timed out before): a timeout now
   * is the template's fault, a RenderLimitError('render_timeout') naming the credential.
   */
  timeoutIsFinal?: boolean;
  /**
   * Render every wanted file without asking the store which exist, before rendering or before
   * writing. For a job's first try on keys only it writes (a fresh issue, a new template version):
   * there, each question is a round trip per file (2 HEADs per certificate on S3) that finds
   * nothing. A file another job raced in is overwritten with a render of the same version (a
   * download waits for the issue's own job instead of rendering, rendered-downloads.ts); other jobs
   * ask both times, so work done is not done twice and a stored file stays.
   */
  skipExistenceCheck?: boolean;
  /** the job's priority (lower first): renders wait for a print lane in this order */
  priority?: number;
}

export interface RenderOutcome {
  assertionId: string;
  templateVersion: number;
  /** files written by this job */
  rendered: RenderFileName[];
  /** files already present at this version */
  existing: RenderFileName[];
  /** set when nothing was rendered on purpose */
  skipped?: 'revoked' | 'unknown';
}

/** `label` of a render job: the org first, so loadAsset knows whose images it may serve. */
const jobLabel = (org: string, assertionId: string) => `${org}/${assertionId}`;

/**
 * `loadAsset` for the renderer: registered images of the job's org, from the file store, within
 * the pixel budget (an image over it is reported missing, never handed to Chromium to decode).
 */
export function storeAssetLoader(deps: RenderDeps): RendererOptions['loadAsset'] {
  const budget = deps.imageBudget ?? DEFAULT_IMAGE_BUDGET;
  return async (url, request): Promise<LoadedAsset | null> => {
    const key = storedImageKey(deps.urls, url);
    const org = request.label?.split('/')[0];
    if (!key || !org) return null;
    const row = await catalogRepository(deps.db).getImageByKey(key);
    if (!row || row.org !== org) return null;
    const file = await deps.files.get(key);
    if (!file) return null;
    const problem = overBudget(file.body, row.content_type, budget);
    if (problem) {
      deps.logger?.warn({ key, label: request.label, problem }, 'stored image over the pixel budget: not drawn');
      return null;
    }
    return { body: file.body, contentType: row.content_type };
  };
}

/** One renderer per worker process, answering images from the store (never over HTTP). */
export function createStoreRenderer(
  deps: RenderDeps,
  opts: Omit<RendererOptions, 'assetPrefix' | 'loadAsset'>,
): Renderer {
  return createRenderer({ ...opts, assetPrefix: deps.urls.imagesPrefix, loadAsset: storeAssetLoader(deps) });
}

export interface RenderServiceDeps extends RenderDeps {
  assertionRepo: AssertionRepository;
  catalogRepo: CatalogRepository;
  /** the Chromium of this worker process */
  renderer: Renderer;
  /**
   * Certificates of a template that stacks printed together when the pool is busy
   * (certificate-batches.ts): at most `maxBatch` per print, `lanes` prints at once (the pool's pages).
   * Default: every certificate printed alone.
   */
  batches?: { maxBatch: number; lanes: number };
}

export function renderService(deps: RenderServiceDeps) {
  const { files, urls, renderer, assertionRepo, catalogRepo } = deps;
  const budget = deps.imageBudget ?? DEFAULT_IMAGE_BUDGET;
  const batches = certificateBatches(renderer, { ...(deps.batches ?? { maxBatch: 1, lanes: 1 }), logger: deps.logger });
  const bakeBadge = badgeBaker(deps, batches, budget);

  return {
    /**
     * Renders the files (default: PDF and badge) of an assertion that are missing at its
     * credential's current template version. Revoked or unknown assertions render nothing.
     */
    async render(
      assertionId: string,
      wanted: readonly RenderFileName[] = DEFAULT_JOB_FILES,
      opts: RenderCallOptions = {},
    ): Promise<RenderOutcome> {
      const a = await assertionRepo.getAssertionById(assertionId);
      const credential = a && (await catalogRepo.getCredentialById(a.credential_id));
      if (!a || !credential) return { assertionId, templateVersion: 0, rendered: [], existing: [], skipped: 'unknown' };
      const version = credential.template_version;
      const outcome: RenderOutcome = { assertionId, templateVersion: version, rendered: [], existing: [] };
      if (a.revoked_at) return { ...outcome, skipped: 'revoked' };
      const key = (f: RenderFileName) => renderKey(a.org, a.id, version, f);
      const todo: RenderFileName[] = [];
      // Asked together: on an object store each question is a round trip the page pool waits through.
      const asked = [...new Set(wanted.map((w) => (w === 'badge.svg' ? 'badge.png' : w)))];
      const there = opts.skipExistenceCheck
        ? asked.map(() => false)
        : await Promise.all(asked.map((f) => files.exists(key(f))));
      asked.forEach((f, i) => (there[i] ? outcome.existing : todo).push(f));
      if (todo.length === 0) return outcome;
      const label = jobLabel(a.org, a.id);
      const priority = opts.priority;
      const out: Partial<Record<RenderFileName, Buffer>> = {};
      // A second timeout of the job: the template (or its images) is too heavy to ever render in time.
      const timed = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
        try {
          return await run();
        } catch (e) {
          if (!opts.timeoutIsFinal || !(e instanceof RenderRetryableError) || e.reason !== 'timeout') throw e;
          const which = `credential "${credential.name}" (${credential.id}, template version ${version})`;
          throw new RenderLimitError('render_timeout', `the ${what} of ${which} timed out twice: ${e.message}`);
        }
      };
      if (todo.includes('certificate.pdf') || todo.includes('certificate.png')) {
        const { html, css, issuerName, stackCss } = await certificateMarkup(deps, a, credential);
        if (todo.includes('certificate.pdf')) {
          const stack = stackCss === undefined ? undefined : { group: a.org, stackCss };
          const pdf = await measureRender('pdf', renderFailure, () =>
            timed('certificate template', () => batches.renderPdf(html, css, { label, stack, priority })),
          );
          out['certificate.pdf'] = await attachCredentialToPdf(pdf, {
            ...(a.credential_jwt ? { jwt: a.credential_jwt } : { credentialJson: JSON.stringify(a.credential_json) }),
            verificationUrl: urls.verificationPage(a.id),
            title: `${credential.name} — ${publicRecipientName(a) ?? 'Recipient'}`,
            assertionId: a.id,
            author: issuerName || undefined,
            issuedOn: a.issued_on,
          });
        }
        if (todo.includes('certificate.png')) {
          out['certificate.png'] = await measureRender('png', renderFailure, () =>
            timed('certificate template', () => batches.renderPng(html, css, { scale: 2, label, priority })),
          );
        }
      }
      // A badge image at fault must not cost the certificate rendered before it: store, then fail.
      let badgeFailure: unknown;
      if (todo.includes('badge.png')) {
        try {
          Object.assign(
            out,
            await measureRender('badge', renderFailure, () =>
              timed('badge image', () => bakeBadge(a, credential, { label, priority })),
            ),
          );
        } catch (e) {
          if (!(e instanceof RenderLimitError)) throw e;
          badgeFailure = e;
        }
      }
      // A job that asked the store first keeps a file another raced in meanwhile (a stalled try's
      // twin, a download's render): the first write stays, and with it the ETag clients were given.
      // The badge pair is judged by badge.png alone (written last), so it is never half theirs.
      if (!opts.skipExistenceCheck) {
        const made = (Object.keys(out) as RenderFileName[]).filter((f) => f !== 'badge.svg');
        const raced = await Promise.all(made.map((f) => files.exists(key(f))));
        made.forEach((f, i) => {
          if (!raced[i]) return;
          delete out[f];
          if (f === 'badge.png') delete out['badge.svg'];
          outcome.existing.push(f);
        });
      }
      // badge.svg before badge.png: readers take badge.png's presence to mean the badge is complete.
      // Otherwise written at once: on an object store each write is a round trip the job waits through.
      const order = (Object.keys(out) as RenderFileName[]).sort((x, y) =>
        x === 'badge.png' ? 1 : y === 'badge.png' ? -1 : 0,
      );
      const badge = order.filter((f) => f.startsWith('badge.'));
      await Promise.all([
        ...order.filter((f) => !f.startsWith('badge.')).map((f) => files.put(key(f), out[f]!)),
        (async () => {
          for (const f of badge) await files.put(key(f), out[f]!);
        })(),
      ]);
      outcome.rendered.push(...order);
      if (badgeFailure) throw badgeFailure;
      return outcome;
    },

    /** whether most recent certificates could print together: the worker runs more jobs then */
    stacking: () => batches.stacking(),
    /** fails renders still waiting for a print lane (retried elsewhere); prints in flight finish */
    close: () => batches.close(),
  };
}

export type RenderService = ReturnType<typeof renderService>;
