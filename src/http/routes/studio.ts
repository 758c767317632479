import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { envelopeSchema, sendEnvelope } from '../envelope.js';
import { canAdministerOrg, isSuperAdmin } from '../../auth/permissions.js';
import { defaultCertificateTemplate } from '../../template/default-template.js';
import { TEMPLATE_TAGS, templateTagUse } from '../../template/template-context.js';

/**
 * `GET /api/studio/context`: what the template studio (/studio) needs once a token is entered:
 * whose token it is (the org and user its tenant paths name), the merge fields a template may
 * use, and the default certificate a credential without a template of its own is drawn with.
 */
const mergeField = z.object({
  tag: z.string(),
  kind: z.enum(['scalar', 'object', 'list', 'map']),
  use: z.string(),
  description: z.string(),
  example: z.string().optional(),
  within: z.string().optional(),
});
const studioContext = z.object({
  org: z.string(),
  user_id: z.string(),
  role: z.string(),
  can_edit_templates: z.boolean(),
  can_open_queue_dashboard: z.boolean(),
  merge_fields: z.array(mergeField),
  default_template: z.object({ html_template: z.string(), css_template: z.string() }),
});

const MERGE_FIELDS = TEMPLATE_TAGS.map((t) => ({ ...t, use: templateTagUse(t) }));

export function studioRoutes(): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/studio/context',
      summary: "The template studio's start: the caller's org, user and role, the merge fields, the default template",
      tag: 'credentials',
      auth: 'bearer',
      responses: { 200: { description: 'Ok', schema: envelopeSchema(studioContext, 'Ok') }, 401: 'No valid token' },
      handler({ principal, res }) {
        const template = defaultCertificateTemplate();
        res.setHeader('Cache-Control', 'no-store');
        sendEnvelope(res, {
          org: principal.org,
          user_id: principal.userId,
          role: principal.role,
          can_edit_templates: canAdministerOrg(principal, principal.org),
          can_open_queue_dashboard: isSuperAdmin(principal),
          merge_fields: MERGE_FIELDS,
          default_template: { html_template: template.htmlTemplate, css_template: template.cssTemplate },
        });
      },
    }),
  ];
}
