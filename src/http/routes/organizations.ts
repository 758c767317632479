import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { credlyPage, credlyQuery, pageRequest } from '../pagination.js';
import type { Runtime } from '../../runtime.js';
import { authorizationService } from '../../authorizations/authorization-service.js';
import { authorizationRepository } from '../../db/authorization-repository.js';

/** Credly-style issuer authorizations: bare `{data, metadata}` bodies, as Credly answers them. */
const params = z.object({ org: z.string() });

export function organizationRoutes(rt: Runtime): RouteDef[] {
  const authorizations = authorizationService(rt.db, authorizationRepository(rt.db), rt.directory, rt.urls);
  return [
    defineRoute({
      method: 'get',
      path: '/api/organizations/{org}/issuers',
      summary: 'Organizations authorized to issue this organization\'s credentials',
      tag: 'authorizations',
      auth: 'tenant',
      params,
      query: credlyQuery,
      async handler({ params: p, query, principal, url, res }) {
        const page = pageRequest({ page: query.page, page_size: query.per }, 50, 100);
        const r = await authorizations.listIssuers(principal, p.org, { offset: page.offset, limit: page.pageSize });
        res.json(credlyPage(url, page, r.count, r.data));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/organizations/{org}/issuers',
      summary: 'Authorize an organization to issue this organization\'s credentials',
      tag: 'authorizations',
      auth: 'tenant',
      params,
      body: z.object({
        issuer_id: z.string().min(1).max(255),
        authorization_type: z.string().min(1).max(50).optional(),
        display_issuer_as: z.enum(['grantor', 'issuer']).optional(),
        restrict_by_badge_templates: z.boolean().optional(),
        allowed_badge_templates: z.array(z.string().min(1).max(255)).max(1000).optional(),
      }),
      responses: { 201: 'Authorized', 400: 'Invalid', 403: 'Not a platform admin of the grantor', 404: 'Unknown organization', 409: 'Already authorized' },
      async handler({ params: p, body, principal, res }) {
        res.status(201).json({ data: await authorizations.authorize(principal, p.org, body) });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/organizations/{org}/issuers/{id}',
      summary: 'Deauthorize an issuer; what it already issued stays valid',
      tag: 'authorizations',
      auth: 'tenant',
      params: params.extend({ id: z.string().max(100) }),
      responses: { 204: 'Deauthorized', 403: 'Not a platform admin of the grantor', 404: 'Unknown authorization' },
      async handler({ params: p, principal, res }) {
        await authorizations.deauthorize(principal, p.org, p.id);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/organizations/{org}/grantors',
      summary: 'Organizations that have authorized this organization as an issuer',
      tag: 'authorizations',
      auth: 'tenant',
      params,
      query: credlyQuery,
      async handler({ params: p, query, principal, url, res }) {
        const page = pageRequest({ page: query.page, page_size: query.per }, 50, 100);
        const r = await authorizations.listGrantors(principal, p.org, { offset: page.offset, limit: page.pageSize });
        res.json(credlyPage(url, page, r.count, r.data));
      },
    }),
  ];
}
