import type { Runtime } from '../runtime.js';
import type { Principal } from '../auth/principal.js';
import { canAdministerOrg } from '../auth/permissions.js';
import {
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  UnavailableError,
  UnprocessableEntityError,
} from '../errors.js';
import { RenderLimitError, RenderRetryableError } from '../rendering/errors.js';

import { templateChecker } from '../catalog/credential-templates.js';
import { catalogContext, certificateTemplateOf, mergeCertificate } from '../rendering/certificate-markup.js';
import { createStoreRenderer } from '../rendering/render-service.js';
import type { Renderer } from '../rendering/renderer.js';
import { findChromium, CHROMIUM_MISSING } from '../embedded/chromium.js';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Template preview: a certificate drawn from sample data, through the same write-time checks and
 * the same renderer (JS off, network allow-list, CSP, the org's images only) as real certificates,
 * with a watermark; nothing is stored and nothing is signed, and no assertion id exists.
 */
export interface PreviewInput {
  html_template?: string;
  css_template?: string;
  /** a credential of the org whose templates (when not given) and catalog data the preview uses */
  credential?: string;
  sample?: { name?: string; email?: string; user_id?: string; fields?: Record<string, string | number | boolean> };
  format: 'png' | 'pdf';
}

/** Previews per org per minute: a studio types fast, a browser render costs a page for ~100 ms. */
export const PREVIEWS_PER_MINUTE = 60;
const WATERMARK = 'PREVIEW — not a credential';
const WATERMARK_HTML =
  `<div aria-hidden="true" style="position:fixed;inset:0;display:flex;align-items:center;justify-content:center;` +
  `pointer-events:none;z-index:2147483647"><div style="transform:rotate(-24deg);font:700 64px sans-serif;` +
  `color:rgba(200,0,0,.35);border:6px solid rgba(200,0,0,.35);padding:12px 32px;white-space:nowrap">` +
  `${WATERMARK}</div></div>`;

const SAMPLE_CATALOG = {
  credential: { name: 'Sample credential', description: 'What the holder of this credential has shown.' },
  issuer: { name: 'Sample Academy' },
  signatories: [],
};

export function templatePreviewService(rt: Runtime) {
  const check = templateChecker(rt.config.publicBaseUrl);
  const limiter = new RateLimiterMemory({ points: PREVIEWS_PER_MINUTE, duration: 60 });
  let renderer: Renderer | undefined;
  // The API process gets its own small warm pool, launched on the first preview and closed with the runtime.
  const rendererOf = (): Renderer => {
    if (renderer) return renderer;
    const executablePath = findChromium(rt.config.chromiumPath);
    if (!executablePath) throw new UnavailableError(CHROMIUM_MISSING);
    const deps = { db: rt.db, files: rt.files, urls: rt.urls, logger: rt.logger, imageBudget: rt.config.imageBudget };
    renderer = createStoreRenderer(deps, {
      executablePath,
      pages: 1,
      renderTimeoutMs: rt.config.renderTimeoutMs,
      logger: rt.logger,
    });
    const closeRuntime = rt.close.bind(rt);
    rt.close = async () => {
      await renderer?.close();
      await closeRuntime();
    };
    return renderer;
  };

  async function consume(org: string): Promise<void> {
    try {
      await limiter.consume(org);
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      throw new TooManyRequestsError(
        `Too many previews for org "${org}" (${PREVIEWS_PER_MINUTE} a minute); try again shortly.`,
        Math.ceil(res.msBeforeNext / 1000),
      );
    }
  }

  return {
    async preview(principal: Principal, org: string, input: PreviewInput): Promise<{ body: Buffer; type: string }> {
      if (!canAdministerOrg(principal, org)) throw new ForbiddenError('Only platform admins preview templates.');
      const credential = input.credential ? await rt.repos.catalogRepo.getCredential(org, input.credential) : undefined;
      if (input.credential && !credential) throw new NotFoundError('No such credential.');
      const issuer = credential ? await rt.repos.catalogRepo.getIssuerById(credential.issuer_id) : undefined;
      const own = certificateTemplateOf(credential);
      const html = input.html_template ?? own.htmlTemplate;
      const css = input.css_template ?? (input.html_template !== undefined ? '' : own.cssTemplate);
      // The write-time check: a 400 listing each problem as `html_template line N: …`.
      check({ html, css, allowedTags: issuer?.allowed_template_tags, org });
      await consume(org);

      const sample = input.sample ?? {};
      const signatories = credential
        ? await rt.repos.catalogRepo.listSignatories({ issuerId: credential.issuer_id, credentialId: credential.id })
        : [];
      // The same merge as a real certificate, over sample values where there is no catalog data.
      const fromCatalog = credential ? catalogContext(credential, issuer, signatories) : SAMPLE_CATALOG;
      let merged: { html: string; css: string };
      try {
        merged = await mergeCertificate(
          { htmlTemplate: html, cssTemplate: css },
          {
            ...fromCatalog,
            issuer: { ...fromCatalog.issuer, name: fromCatalog.issuer.name || 'Sample Academy' },
            recipient: {
              name: sample.name ?? 'Ada Lovelace',
              email: sample.email ?? 'ada@example.org',
              user_id: sample.user_id ?? 'ada',
            },
            issuedOn: new Date(),
            verificationUrl: `${rt.config.publicBaseUrl}/v/preview`,
            assertionId: 'preview',
            fields: sample.fields ?? {},
          },
        );
      } catch (e) {
        if (e instanceof RenderLimitError) throw new UnprocessableEntityError(e.message);
        throw e;
      }
      const r = rendererOf();
      // The org first in the label: the asset loader serves this org's images only.
      const label = `${org}/preview`;
      const page = merged.html + WATERMARK_HTML;
      try {
        if (input.format === 'pdf') {
          return { body: await r.renderPdf(page, merged.css, { label }), type: 'application/pdf' };
        }
        return { body: await r.renderPng(page, merged.css, { scale: 1, label }), type: 'image/png' };
      } catch (e) {
        // The template's fault (too many pages, too big, too slow) is the author's to fix; a browser fault is ours.
        if (e instanceof RenderLimitError) throw new UnprocessableEntityError(`${e.reason}: ${e.message}`);
        if (e instanceof RenderRetryableError && e.reason === 'timeout') {
          throw new UnprocessableEntityError(`render_timeout: ${e.message}`);
        }
        if (e instanceof RenderRetryableError) throw new UnavailableError(`The browser failed: ${e.message}`);
        throw e;
      }
    },
  };
}

export type TemplatePreviewService = ReturnType<typeof templatePreviewService>;
