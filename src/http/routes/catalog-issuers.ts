import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { envelope, sendEnvelope } from '../envelope.js';
import { limitOffsetPage, limitOffsetQuery, limitRequest } from '../pagination.js';
import type { Runtime } from '../../runtime.js';
import {
  authorityBody,
  issuerCreateBody,
  issuerUpdateBody,
  issuerValues,
  pathId,
  queryText,
} from './catalog-schemas.js';

/**
 * `/api/credentials/orgs/{org}/users/{user_id}/issuers/…`: issuers and their signatories
 * ("authorities"). The list, create and delete answer in the envelope; GET and PUT of one issuer
 * answer the bare array `[ {issuer} ]`, exactly as the seed shows them.
 */
const base = '/api/credentials/orgs/{org}/users/{user_id}/issuers';
const tenantParams = z.object({ org: z.string(), user_id: z.string() });
const issuerParams = tenantParams.extend({ entity_id: pathId });
export const NO_EMAIL_WARNING =
  'This issuer has no email: OB 2.0 requires one, so its credentials get no OB 2.0 documents ' +
  'and badges no OB 2.0 baking until it has one.';

export function catalogIssuerRoutes(rt: Runtime): RouteDef[] {
  const { issuers, signatories } = rt.services;
  return [
    defineRoute({
      method: 'get',
      path: base,
      summary: 'List issuers (q, limit, offset)',
      tag: 'issuers',
      auth: 'tenant',
      params: tenantParams,
      query: limitOffsetQuery.extend({ q: queryText() }),
      responses: { 200: 'Ok', 403: 'Not your org', 404: 'Unknown org' },
      async handler({ params, query, principal, url, res }) {
        const page = limitRequest(query);
        const { count, data } = await issuers.list(principal, params.org, { q: query.q, ...page });
        sendEnvelope(res, limitOffsetPage(url, page, count, data));
      },
    }),
    defineRoute({
      method: 'post',
      path: base,
      summary: 'Create an issuer (generates its signing key: ES256, or RS256 with signing_alg)',
      tag: 'issuers',
      auth: 'tenant',
      params: tenantParams,
      body: issuerCreateBody,
      responses: { 201: 'Created', 400: 'Invalid input', 403: 'Not a platform admin of the org' },
      async handler({ params, body, principal, res }) {
        const { signing_alg, ...rest } = body;
        const issuer = await issuers.create(principal, params.org, {
          ...issuerValues(rest),
          name: body.name,
          signing_alg,
        });
        // OB 2.0 requires an issuer email: say so now rather than let its OB 2.0 documents 404 later.
        const warnings = issuer.email ? [] : [NO_EMAIL_WARNING];
        res.status(201).json({ ...envelope(issuer, 'Created'), ...(warnings.length > 0 && { warnings }) });
      },
    }),
    // Before `{entity_id}` so that "authority" is never read as an issuer id.
    defineRoute({
      method: 'post',
      path: `${base}/authority`,
      summary: 'Add a signatory (authority) to a credential, an issuer (entityId or org), else the primary issuer',
      tag: 'issuers',
      auth: 'tenant',
      params: tenantParams,
      body: authorityBody,
      responses: {
        201: '{"data": {name, title, signature}}',
        400: 'Invalid input',
        403: 'Not a platform admin of the org',
        404: 'Unknown issuer or credential; the org has no issuer',
      },
      async handler({ params, body, principal, res }) {
        const data = await signatories.create(principal, params.org, body);
        res.status(201).json({ data });
      },
    }),
    defineRoute({
      method: 'get',
      path: `${base}/{entity_id}`,
      summary: 'Get an issuer by entity id or org identifier',
      tag: 'issuers',
      auth: 'tenant',
      params: issuerParams,
      responses: { 200: '[ {issuer} ] (bare, no envelope)', 404: 'Unknown issuer' },
      async handler({ params, principal, res }) {
        res.json([await issuers.get(principal, params.org, params.entity_id)]);
      },
    }),
    defineRoute({
      method: 'put',
      path: `${base}/{entity_id}`,
      summary: 'Update an issuer (fields given are changed)',
      tag: 'issuers',
      auth: 'tenant',
      params: issuerParams,
      body: issuerUpdateBody,
      responses: {
        200: '[ {issuer} ] (bare, no envelope)',
        400: 'Invalid input',
        403: 'Not a platform admin of the org',
        404: 'Unknown issuer',
      },
      async handler({ params, body, principal, res }) {
        res.json([await issuers.update(principal, params.org, params.entity_id, issuerValues(body))]);
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${base}/{entity_id}`,
      summary: 'Delete (retire) an issuer: hidden and closed to new credentials; what it issued still verifies',
      tag: 'issuers',
      auth: 'tenant',
      params: issuerParams,
      responses: { 200: 'Deleted', 403: 'Not a platform admin of the org', 404: 'Unknown issuer' },
      async handler({ params, principal, res }) {
        await issuers.remove(principal, params.org, params.entity_id);
        sendEnvelope(res, undefined, 'Deleted');
      },
    }),
  ];
}
