import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import type { Runtime } from '../../runtime.js';
import { id, jsonLd, jsonLdType, PROFILE, pub, sendDocument } from './public-document-response.js';

/** What an assertion's `issuer` and `achievement` ids dereference to, in OB 2.0 and OB 3.0. */
export function publicProfileRoutes(rt: Runtime): RouteDef[] {
  const docs = rt.services.publicDocuments;
  return [
    defineRoute({
      method: 'get',
      path: `${pub}/issuers/{issuer_id}/ob2`,
      summary: 'OB 2.0 Issuer profile (404 while the issuer has no email: OB 2.0 requires one)',
      tag: 'public',
      auth: 'public',
      params: z.object({ issuer_id: id }),
      responses: {
        200: { description: 'The OB 2.0 Issuer', schema: jsonLd, contentType: 'application/ld+json' },
        404: 'Unknown issuer, or no email',
      },
      async handler({ params, req, res }) {
        sendDocument(res, jsonLdType(req, res), await docs.ob2Issuer(params.issuer_id), PROFILE);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${pub}/issuers/{issuer_id}`,
      summary: 'OB 3.0 issuer Profile (the credential `issuer.id` and JWT `iss`)',
      tag: 'public',
      auth: 'public',
      params: z.object({ issuer_id: id }),
      responses: {
        200: { description: 'The OB 3.0 Profile', schema: jsonLd, contentType: 'application/ld+json' },
        404: 'Unknown issuer',
      },
      async handler({ params, req, res }) {
        sendDocument(res, jsonLdType(req, res), await docs.issuerProfile(params.issuer_id), PROFILE);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${pub}/credentials/{credential_id}/ob2`,
      summary: 'OB 2.0 BadgeClass of a credential (404 while its issuer has no email)',
      tag: 'public',
      auth: 'public',
      params: z.object({ credential_id: id }),
      responses: {
        200: { description: 'The OB 2.0 BadgeClass', schema: jsonLd, contentType: 'application/ld+json' },
        404: 'Unknown credential, or its issuer has no email',
      },
      async handler({ params, req, res }) {
        sendDocument(res, jsonLdType(req, res), await docs.ob2BadgeClass(params.credential_id), PROFILE);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${pub}/credentials/{credential_id}`,
      summary: 'OB 3.0 Achievement of a credential (the `achievement.id` of its assertions)',
      tag: 'public',
      auth: 'public',
      params: z.object({ credential_id: id }),
      responses: {
        200: { description: 'The OB 3.0 Achievement', schema: jsonLd, contentType: 'application/ld+json' },
        404: 'Unknown credential',
      },
      async handler({ params, req, res }) {
        sendDocument(res, jsonLdType(req, res), await docs.achievement(params.credential_id), PROFILE);
      },
    }),
  ];
}
