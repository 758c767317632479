import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { sendEnvelope } from '../envelope.js';
import type { Runtime } from '../../runtime.js';
import { isPlatformAdmin } from '../../auth/permissions.js';
import { ForbiddenError, UnavailableError } from '../../errors.js';
import { DOWNLOAD_CACHE_CONTROL, RENDER_RETRY_AFTER_S } from '../../rendering/rendered-downloads.js';
import type { RenderFileName } from '../../rendering/render-files.js';
import { ifNoneMatchHits } from '../prepared-response.js';

/**
 * Rendered files of an assertion (public, no auth), rendered on demand when missing, and the
 * admins' re-render of a credential's assertions after a template change.
 */
const pub = '/api/credentials/public';
const assertionParams = z.object({ entity_id: z.string().min(1).max(100) });
const tenantParams = z.object({ org: z.string(), user_id: z.string(), entity_id: z.string().min(1).max(100) });

/** A redirect to a presigned URL is kept by caches well inside the URL's 5 minutes of validity. */
const REDIRECT_CACHE_CONTROL = 'public, max-age=60';

const FILES: Array<{ file: RenderFileName; summary: string }> = [
  {
    file: 'certificate.pdf',
    summary: 'The certificate PDF (the signed VC-JWT attached, verification URL in its metadata)',
  },
  { file: 'certificate.png', summary: 'The certificate as a PNG image (2x)' },
  { file: 'badge.png', summary: 'The badge image with the signed credential baked in (OB 3.0 and OB 2.0 iTXt chunks)' },
  { file: 'badge.svg', summary: 'The SVG badge with the signed credential baked in (only for SVG badge images)' },
];

export function publicFileRoutes(rt: Runtime): RouteDef[] {
  const downloads = rt.services.renderedDownloads;
  return [
    ...FILES.map(({ file, summary }) =>
      defineRoute({
        method: 'get',
        path: `${pub}/assertions/{entity_id}/${file}`,
        summary,
        tag: 'public',
        auth: 'public',
        params: assertionParams,
        responses: {
          200: 'The file',
          302: 'S3_PRESIGNED_DOWNLOADS: the file at a presigned store URL (valid 5 minutes)',
          304: 'Not modified',
          404: 'Unknown or revoked ({detail, revocationReason})',
          503: 'Not rendered in time (Retry-After)',
        },
        async handler({ params, req, res }) {
          let d;
          try {
            // The SVG stays on this origin's path, where its Content-Security-Policy goes with it.
            if (downloads.presigns && file !== 'badge.svg') {
              const { url } = await downloads.presigned(params.entity_id, file);
              res.setHeader('Cache-Control', REDIRECT_CACHE_CONTROL);
              res.redirect(302, url);
              return;
            }
            d = await downloads.get(params.entity_id, file);
          } catch (e) {
            if (e instanceof UnavailableError) res.setHeader('Retry-After', String(RENDER_RETRY_AFTER_S));
            throw e;
          }
          res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
          res.setHeader('Cache-Control', DOWNLOAD_CACHE_CONTROL);
          res.setHeader('ETag', d.etag);
          res.setHeader('X-Content-Type-Options', 'nosniff');
          res.setHeader('Content-Disposition', `inline; filename="${d.filename}"`);
          if (file === 'badge.svg')
            res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
          if (ifNoneMatchHits(req.headers['if-none-match'], d.etag)) {
            res.status(304).end();
            return;
          }
          res.status(200).type(d.contentType).send(d.body);
        },
      }),
    ),
    defineRoute({
      method: 'post',
      path: '/api/credentials/orgs/{org}/users/{user_id}/{entity_id}/render',
      summary:
        'Re-render the files of every live assertion of a credential at its current template version (low priority)',
      tag: 'credentials',
      auth: 'tenant',
      params: tenantParams,
      responses: { 202: 'Queued: {count, template_version}', 403: 'Not a platform admin', 404: 'Unknown credential' },
      async handler({ params, principal, res }) {
        if (!isPlatformAdmin(principal)) throw new ForbiddenError('Only platform admins re-render certificates.');
        const r = await downloads.rerenderCredential(params.org, principal.userId, params.entity_id);
        sendEnvelope(res, { count: r.count, template_version: r.templateVersion }, 'Ok', 202);
      },
    }),
  ];
}
