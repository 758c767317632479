import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import type { Runtime } from '../../runtime.js';
import { templatePreviewService } from '../../preview/template-preview.js';

/** `POST …/credentials/preview`: a watermarked certificate from sample data; nothing stored or signed. */
const base = '/api/credentials/orgs/{org}/users/{user_id}';
const fieldValue = z.union([z.string().max(2000), z.number(), z.boolean()]);
const previewBody = z.object({
  html_template: z.string().optional(),
  css_template: z.string().optional(),
  credential: z.string().min(1).max(100).optional(),
  sample: z
    .object({
      name: z.string().trim().min(1).max(255).optional(),
      email: z.string().max(320).optional(),
      user_id: z.string().max(255).optional(),
      fields: z.record(z.string().min(1).max(100), fieldValue).optional(),
    })
    .optional(),
  format: z.enum(['png', 'pdf']).default('png'),
});

export function previewRoutes(rt: Runtime): RouteDef[] {
  const previews = templatePreviewService(rt);
  return [
    defineRoute({
      method: 'post',
      path: `${base}/credentials/preview`,
      summary: 'Preview a certificate template with sample data (watermarked PNG or PDF; nothing stored or signed)',
      tag: 'credentials',
      auth: 'tenant',
      params: z.object({ org: z.string(), user_id: z.string() }),
      body: previewBody,
      responses: {
        200: {
          description: 'The preview: image/png, or application/pdf for format "pdf"',
          schema: z.string().meta({ format: 'binary' }),
          contentType: 'image/png',
        },
        400: 'Template check failed: validationErrors lists `html_template line N: …`',
        403: 'Not a platform admin of the org',
        404: 'Unknown credential',
        422: 'The template failed while merging or rendering (too many pages, too slow)',
        429: 'Too many previews for this org',
      },
      async handler({ params, body, principal, res }) {
        const out = await previews.preview(principal, params.org, body);
        res.setHeader('Cache-Control', 'no-store');
        res.type(out.type).send(out.body);
      },
    }),
  ];
}
