import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { envelopeSchema, sendEnvelope } from '../envelope.js';
import {
  limitOffsetPage,
  limitOffsetQuery,
  limitRequest,
  pageNumberPage,
  pageQuery,
  pageRequest,
  pageSchema,
  PAGE_MAX,
} from '../pagination.js';
import type { Runtime } from '../../runtime.js';
import { credentialObjectSchema } from '../../catalog/catalog-objects.js';
import { credentialCreateBody, credentialUpdateBody, pathId, queryText } from './catalog-schemas.js';

/**
 * Credentials (badge classes): `/api/credentials/orgs/{org}/users/{user_id}/` (list, create) and
 * `…/course-credentials/`. The `{entity_id}` routes are separate ({@link credentialDetailRoutes})
 * because they must be mounted after every other `…/users/{user_id}/<word>` route.
 */
const base = '/api/credentials/orgs/{org}/users/{user_id}';
const tenantParams = z.object({ org: z.string(), user_id: z.string() });
const credentialParams = tenantParams.extend({ entity_id: pathId });
const platformOrg = z.object({ platform_org: z.string().min(1).max(63).optional() });
const credentialPage = envelopeSchema(pageSchema(credentialObjectSchema), 'Ok');
const courseGroup = z.object({ course: z.string(), credentials: z.array(credentialObjectSchema) });
const courseGroupPage = envelopeSchema(pageSchema(courseGroup), 'Ok');
const credentialIn = (d: 'Ok' | 'Created' | 'Updated') => envelopeSchema(credentialObjectSchema, d);

export function catalogCredentialRoutes(rt: Runtime): RouteDef[] {
  const { credentials } = rt.services;
  return [
    defineRoute({
      method: 'get',
      path: base,
      summary:
        'List credentials (page, page_size, search, course, program, platform_org); non-admins see public ones only',
      tag: 'credentials',
      auth: 'tenant',
      params: tenantParams,
      query: pageQuery.extend({
        search: queryText(),
        course: queryText(255),
        program: queryText(255),
        ...platformOrg.shape,
      }),
      responses: {
        200: { description: 'Ok', schema: credentialPage },
        403: 'Not your org',
        404: 'Unknown org or page',
      },
      async handler({ params, query, principal, url, res }) {
        const org = await credentials.effectiveOrg(principal, params.org, query.platform_org);
        const page = pageRequest(query);
        const { count, data } = await credentials.list(
          principal,
          org,
          { search: query.search, course: query.course, program: query.program },
          { limit: page.pageSize, offset: page.offset },
        );
        sendEnvelope(res, pageNumberPage(url, page, count, data, PAGE_MAX));
      },
    }),
    defineRoute({
      method: 'post',
      path: base,
      summary: 'Create a credential; its templates are checked (syntax, tags, helpers, size, external loads)',
      tag: 'credentials',
      auth: 'tenant',
      params: tenantParams,
      query: platformOrg,
      body: credentialCreateBody,
      responses: {
        201: { description: 'Created', schema: credentialIn('Created') },
        400: 'Invalid input or template',
        403: 'Not a platform admin of the org',
      },
      async handler({ params, query, body, principal, res }) {
        const org = await credentials.effectiveOrg(principal, params.org, query.platform_org);
        sendEnvelope(res, await credentials.create(principal, org, body), 'Created');
      },
    }),
    defineRoute({
      method: 'get',
      path: `${base}/course-credentials`,
      summary: 'Credentials grouped by course (limit default 10, offset, search on course id and name)',
      tag: 'credentials',
      auth: 'tenant',
      params: tenantParams,
      query: limitOffsetQuery.extend({ search: queryText() }),
      responses: {
        200: { description: 'Ok', schema: courseGroupPage },
        403: 'Not your org',
        404: 'Unknown org',
      },
      async handler({ params, query, principal, url, res }) {
        const page = limitRequest(query, 10, PAGE_MAX);
        const { count, data } = await credentials.listByCourse(principal, params.org, query.search, page);
        sendEnvelope(res, limitOffsetPage(url, page, count, data, PAGE_MAX));
      },
    }),
  ];
}

/** GET/PUT/DELETE `…/users/{user_id}/{entity_id}`: mount LAST, after every other tenant route. */
export function credentialDetailRoutes(rt: Runtime): RouteDef[] {
  const { credentials } = rt.services;
  return [
    defineRoute({
      method: 'get',
      path: `${base}/{entity_id}`,
      summary: 'Get a credential',
      tag: 'credentials',
      auth: 'tenant',
      params: credentialParams,
      responses: { 200: { description: 'Ok', schema: credentialIn('Ok') }, 404: 'Unknown credential' },
      async handler({ params, principal, res }) {
        sendEnvelope(res, await credentials.get(principal, params.org, params.entity_id));
      },
    }),
    defineRoute({
      method: 'put',
      path: `${base}/{entity_id}`,
      summary: 'Update a credential (fields given are changed; template_version goes up when a template changes)',
      tag: 'credentials',
      auth: 'tenant',
      params: credentialParams,
      body: credentialUpdateBody,
      responses: {
        200: { description: 'Updated', schema: credentialIn('Updated') },
        400: 'Invalid input or template',
        403: 'Not a platform admin of the org',
        404: 'Unknown credential',
      },
      async handler({ params, body, principal, res }) {
        sendEnvelope(res, await credentials.update(principal, params.org, params.entity_id, body), 'Updated');
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${base}/{entity_id}`,
      summary: 'Delete a credential (soft: its issued assertions keep verifying)',
      tag: 'credentials',
      auth: 'tenant',
      params: credentialParams,
      responses: { 204: 'Deleted', 403: 'Not a platform admin of the org', 404: 'Unknown credential' },
      async handler({ params, principal, res }) {
        await credentials.remove(principal, params.org, params.entity_id);
        res.status(204).end();
      },
    }),
  ];
}
