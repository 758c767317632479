import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { credlyPage, credlyQuery, pageRequest } from '../pagination.js';
import type { Runtime } from '../../runtime.js';
import type { AuthorizationService } from '../../authorizations/authorization-service.js';

/**
 * Credly-style issuer authorizations at the seed's own paths (`/organizations/{org}/…`) and at
 * `/api/organizations/{org}/…` (the same handlers): bare `{data, metadata}` bodies and Credly's
 * `{"data": {"message": …}}` errors, as Credly answers them. `{org}` is the org's slug or UUID; the
 * service checks who may do what (an unknown org is a 404 before any 403).
 */
const params = z.object({ org: z.string().min(1).max(255) });
const PER_DEFAULT = 50;
const PER_MAX = 100;

function routesUnder(prefix: string, authorizations: AuthorizationService): RouteDef[] {
  const base = `${prefix}/organizations/{org}`;
  const common = { tag: 'authorizations', auth: 'bearer', errorShape: 'credly' } as const;
  return [
    defineRoute({
      ...common,
      method: 'get',
      path: `${base}/issuers`,
      summary: "Organizations authorized to issue this organization's credentials (page, per)",
      params,
      query: credlyQuery,
      responses: {
        200: '{data: [authorization], metadata}',
        401: 'Unauthenticated',
        403: 'Not an admin of the org',
        404: 'Unknown organization',
      },
      async handler({ params: p, query, principal, url, res }) {
        const page = pageRequest({ page: query.page, page_size: query.per }, PER_DEFAULT, PER_MAX);
        const r = await authorizations.listIssuers(principal, p.org, { offset: page.offset, limit: page.pageSize });
        res.json(credlyPage(url, page, r.count, r.data));
      },
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: `${base}/issuers`,
      summary: "Authorize an organization (issuer_id: its slug or UUID) to issue this organization's credentials",
      params,
      body: z.object({
        issuer_id: z.string().min(1).max(255),
        authorization_type: z.string().min(1).max(50).optional(),
        display_issuer_as: z.enum(['grantor', 'issuer']).optional(),
        restrict_by_badge_templates: z.boolean().optional(),
        allowed_badge_templates: z.array(z.string().min(1).max(255)).max(1000).optional(),
      }),
      responses: {
        201: '{data: authorization}',
        400: 'Invalid',
        401: 'Unauthenticated',
        403: 'Not a platform admin of the grantor',
        404: 'Unknown organization',
        409: 'Already authorized',
      },
      async handler({ params: p, body, principal, res }) {
        res.status(201).json({ data: await authorizations.authorize(principal, p.org, body) });
      },
    }),
    defineRoute({
      ...common,
      method: 'delete',
      path: `${base}/issuers/{id}`,
      summary: 'Deauthorize an issuer; what it already issued stays valid',
      params: params.extend({ id: z.string().max(100) }),
      responses: {
        204: 'Deauthorized',
        401: 'Unauthenticated',
        403: 'Not a platform admin of the grantor',
        404: 'Unknown organization or authorization',
      },
      async handler({ params: p, principal, res }) {
        await authorizations.deauthorize(principal, p.org, p.id);
        res.status(204).end();
      },
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: `${base}/grantors`,
      summary: 'Organizations that have authorized this organization as an issuer (page, per)',
      params,
      query: credlyQuery,
      responses: {
        200: '{data: [{id, grantor}], metadata}',
        401: 'Unauthenticated',
        403: 'Not an admin of the org',
        404: 'Unknown organization',
      },
      async handler({ params: p, query, principal, url, res }) {
        const page = pageRequest({ page: query.page, page_size: query.per }, PER_DEFAULT, PER_MAX);
        const r = await authorizations.listGrantors(principal, p.org, { offset: page.offset, limit: page.pageSize });
        res.json(credlyPage(url, page, r.count, r.data));
      },
    }),
  ];
}

export function organizationRoutes(rt: Runtime): RouteDef[] {
  const { authorizations } = rt.services;
  return [...routesUnder('', authorizations), ...routesUnder('/api', authorizations)];
}
