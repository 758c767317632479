/**
 * The render worker's service: turns one assertion into its certificate PDF/PNG and baked badge,
 * stored under keys of the credential's current template version (render-files.ts).
 *
 * It holds no signing keys: the PDF carries and the badge bakes the VC-JWT stored at issue.
 * Images reach Chromium only through `loadAsset`, from the file store, and only images of the
 * assertion's own org (a template cannot pull another tenant's files into its certificate).
 */
import { readFileSync } from 'node:fs';
import type { Db } from '../db/database.js';
import type { FileStore } from '../storage/file-store.js';
import type { PublicUrls } from '../public-urls.js';
import type { Logger } from '../logger.js';
import { getAssertionById, type AssertionRow } from '../db/assertion-repository.js';
import {
  getCredentialById,
  getImageByKey,
  getIssuerById,
  listSignatories,
  type CredentialRow,
} from '../db/catalog-repository.js';
import { bakePng, bakeSvg } from '../openbadges/baking.js';
import { createRenderer, type Renderer, type RendererOptions, type LoadedAsset } from './renderer.js';
import { buildTemplateContext } from '../template/template-context.js';
import { renderTemplate } from '../template/template.js';
import { defaultCertificateTemplate } from '../template/default-template.js';
import { TEMPLATES_DIR } from '../templates-dir.js';
import { attachCredentialToPdf } from '../openbadges/pdf-credential.js';
import { RenderLimitError, RenderRetryableError } from './errors.js';
import {
  budgetProblem,
  DEFAULT_IMAGE_BUDGET,
  extOfContentType,
  readImageDimensions,
  type ImageBudget,
} from '../catalog/image-dimensions.js';
import { DEFAULT_JOB_FILES, renderKey, type RenderFileName } from './render-files.js';
import { publicRecipientName } from '../recipient-name.js';

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

/** Badge edge in pixels when an image has to be rasterized (SVG, JPEG, the default badge). */
const BADGE_PX = 512;
const BADGE_CACHE_MAX = 64;

/** Image key of a URL under the public images prefix, else null (external images are never fetched). */
function storedImageKey(urls: PublicUrls, url: string | null | undefined): string | null {
  if (!url || !url.startsWith(urls.imagesPrefix)) return null;
  const key = url.slice(urls.imagesPrefix.length).split(/[?#]/)[0];
  return key && !key.includes('..') ? key : null;
}

/** `label` of a render job: the org first, so loadAsset knows whose images it may serve. */
const jobLabel = (org: string, assertionId: string) => `${org}/${assertionId}`;

/** Why a stored image must not be decoded (over the pixel budget, unreadable header), or null. */
function overBudget(body: Buffer, contentType: string, budget: ImageBudget): string | null {
  const ext = extOfContentType(contentType);
  return ext ? budgetProblem(readImageDimensions(body, ext), budget) : null;
}

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
    const row = await getImageByKey(deps.db, key);
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

type BadgeSource =
  | { kind: 'png'; body: Buffer; cacheKey: string }
  | { kind: 'svg'; text: string; cacheKey: string }
  | { kind: 'raster'; body: Buffer; contentType: string; cacheKey: string };

let defaultBadgeSvg: string | undefined;

export function renderService(deps: RenderDeps, renderer: Renderer) {
  const { db, files, urls } = deps;
  const budget = deps.imageBudget ?? DEFAULT_IMAGE_BUDGET;
  /** Rasterized badges by source (the default badge, a stored SVG): a bulk rasterizes each once. */
  const rasterCache = new Map<string, Buffer>();

  async function badgeSource(credential: CredentialRow): Promise<BadgeSource> {
    const key = storedImageKey(urls, credential.icon_image);
    if (key) {
      const row = await getImageByKey(db, key);
      const file = row && row.org === credential.org ? await files.get(key) : undefined;
      if (row && file) {
        const problem = overBudget(file.body, row.content_type, budget);
        if (problem) {
          const what = `the badge image of credential "${credential.name}" (${credential.id})`;
          throw new RenderLimitError('image_too_large', `${what} is refused. ${problem}`);
        }
        if (row.content_type === 'image/png') return { kind: 'png', body: file.body, cacheKey: key };
        if (row.content_type === 'image/svg+xml')
          return { kind: 'svg', text: file.body.toString('utf8'), cacheKey: key };
        return { kind: 'raster', body: file.body, contentType: row.content_type, cacheKey: key };
      }
    }
    defaultBadgeSvg ??= readFileSync(`${TEMPLATES_DIR}badge.svg`, 'utf8');
    return { kind: 'svg', text: defaultBadgeSvg, cacheKey: 'default' };
  }

  /** A PNG of an image (SVG, JPEG, …) drawn by Chromium on a BADGE_PX square, cached per source. */
  async function rasterize(body: Buffer, contentType: string, cacheKey: string, label: string): Promise<Buffer> {
    const hit = rasterCache.get(cacheKey);
    if (hit) return hit;
    const src = `data:${contentType};base64,${body.toString('base64')}`;
    const html = `<div class="badge"><img src="${src}" alt=""></div>`;
    const css =
      `@page { size: ${BADGE_PX}px ${BADGE_PX}px; margin: 0; } html, body { margin: 0; padding: 0; background: #fff; }` +
      ` .badge { width: ${BADGE_PX}px; height: ${BADGE_PX}px; display: flex; align-items: center; justify-content: center; }` +
      ` .badge img { max-width: ${BADGE_PX}px; max-height: ${BADGE_PX}px; width: 100%; height: 100%; object-fit: contain; }`;
    const png = await renderer.renderPng(html, css, { scale: 1, label });
    if (rasterCache.size >= BADGE_CACHE_MAX) rasterCache.delete(rasterCache.keys().next().value!);
    rasterCache.set(cacheKey, png);
    return png;
  }

  /**
   * badge.png always (OB 3.0 JWT + OB 2.0 hosted-assertion URL in iTXt chunks); badge.svg too when
   * the badge image is an SVG (baked as SVG, the PNG is its rasterization).
   */
  async function bakeBadge(
    a: AssertionRow,
    credential: CredentialRow,
    label: string,
  ): Promise<Partial<Record<RenderFileName, Buffer>>> {
    // OB 2.0 requires an issuer email: without one there is no hosted assertion to point at.
    const issuer = await getIssuerById(db, a.issuer_id);
    const payload = { ob3Jwt: a.credential_jwt, ob2: issuer?.email ? urls.ob2Assertion(a.id) : undefined };
    const src = await badgeSource(credential);
    if (src.kind === 'png') return { 'badge.png': bakePng(src.body, payload) };
    if (src.kind === 'svg') {
      const svg = Buffer.from(src.text, 'utf8');
      const png = await rasterize(svg, 'image/svg+xml', `svg:${src.cacheKey}`, label);
      return { 'badge.png': bakePng(png, payload), 'badge.svg': Buffer.from(bakeSvg(src.text, payload), 'utf8') };
    }
    const png = await rasterize(src.body, src.contentType, `raster:${src.cacheKey}`, label);
    return { 'badge.png': bakePng(png, payload) };
  }

  /** The merged certificate markup of an assertion. */
  async function certificateMarkup(
    a: AssertionRow,
    credential: CredentialRow,
  ): Promise<{ html: string; css: string; issuerName: string }> {
    const issuer = await getIssuerById(db, a.issuer_id);
    const signatories = await listSignatories(db, { issuerId: a.issuer_id, credentialId: credential.id });
    const context = await buildTemplateContext({
      recipient: {
        name: publicRecipientName(a) ?? 'Recipient',
        email: a.recipient_email,
        user_id: a.recipient_user_id,
      },
      credential: {
        name: credential.name,
        description: credential.description,
        criteria_text: credential.criteria_text,
        criteria_url: credential.criteria_url,
        image: credential.icon_image,
        course: a.course ?? credential.course,
        program: credential.program,
      },
      issuer: { name: issuer?.name ?? '', url: issuer?.url, email: issuer?.email, image: issuer?.icon_image },
      issuedOn: a.issued_on,
      expires: a.expires_at,
      signatories: signatories.map((s) => ({ name: s.name, title: s.title, signature_image: s.signature })),
      verificationUrl: urls.verificationPage(a.id),
      assertionId: a.id,
      fields: a.fields ?? {},
    });
    const template = credential.html_template
      ? { htmlTemplate: credential.html_template, cssTemplate: credential.css_template ?? '' }
      : defaultCertificateTemplate();
    try {
      return {
        ...renderTemplate(template.htmlTemplate, template.cssTemplate, context),
        issuerName: issuer?.name ?? '',
      };
    } catch (e) {
      // The Handlebars message names the template construct, never fetched content.
      throw new RenderLimitError(
        'template_error',
        `template failed: ${String((e as Error).message)
          .split('\n')[0]
          .slice(0, 300)}`,
      );
    }
  }

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
      const a = await getAssertionById(db, assertionId);
      const credential = a && (await getCredentialById(db, a.credential_id));
      if (!a || !credential) return { assertionId, templateVersion: 0, rendered: [], existing: [], skipped: 'unknown' };
      const version = credential.template_version;
      const outcome: RenderOutcome = { assertionId, templateVersion: version, rendered: [], existing: [] };
      if (a.revoked_at) return { ...outcome, skipped: 'revoked' };
      const key = (f: RenderFileName) => renderKey(a.org, a.id, version, f);
      const todo: RenderFileName[] = [];
      for (const f of new Set(wanted.map((w) => (w === 'badge.svg' ? 'badge.png' : w)))) {
        if (await files.exists(key(f))) outcome.existing.push(f);
        else todo.push(f);
      }
      if (todo.length === 0) return outcome;
      const label = jobLabel(a.org, a.id);
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
        const { html, css, issuerName } = await certificateMarkup(a, credential);
        if (todo.includes('certificate.pdf')) {
          const pdf = await timed('certificate template', () => renderer.renderPdf(html, css, { label }));
          out['certificate.pdf'] = await attachCredentialToPdf(pdf, {
            jwt: a.credential_jwt,
            verificationUrl: urls.verificationPage(a.id),
            title: `${credential.name} — ${publicRecipientName(a) ?? 'Recipient'}`,
            assertionId: a.id,
            author: issuerName || undefined,
            issuedOn: a.issued_on,
          });
        }
        if (todo.includes('certificate.png')) {
          out['certificate.png'] = await timed('certificate template', () =>
            renderer.renderPng(html, css, { scale: 2, label }),
          );
        }
      }
      // A badge image at fault must not cost the certificate rendered before it: store, then fail.
      let badgeFailure: unknown;
      if (todo.includes('badge.png')) {
        try {
          Object.assign(out, await timed('badge image', () => bakeBadge(a, credential, label)));
        } catch (e) {
          if (!(e instanceof RenderLimitError)) throw e;
          badgeFailure = e;
        }
      }
      // badge.svg before badge.png: readers take badge.png's presence to mean the badge is complete.
      const order = (Object.keys(out) as RenderFileName[]).sort((x, y) =>
        x === 'badge.png' ? 1 : y === 'badge.png' ? -1 : 0,
      );
      for (const f of order) {
        await files.put(key(f), out[f]!);
        outcome.rendered.push(f);
      }
      if (badgeFailure) throw badgeFailure;
      return outcome;
    },
  };
}

export type RenderService = ReturnType<typeof renderService>;
