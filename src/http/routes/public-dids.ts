import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import type { Runtime } from '../../runtime.js';
import { NotFoundError } from '../../errors.js';

/**
 * did:web documents of issuers (issue 14), at the path did:web resolution fetches for
 * `did:web:<host>[%3A<port>]:issuers:<entity_id>`: `/issuers/<entity_id>/did.json`.
 */
export function publicDidRoutes(rt: Runtime): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/issuers/{issuer_id}/did.json',
      summary: "An issuer's did:web DID document (Multikey for Data Integrity proofs, JWKs for VC-JWTs)",
      tag: 'public',
      auth: 'public',
      params: z.object({ issuer_id: z.string().min(1).max(100) }),
      responses: {
        200: {
          description: 'The DID document',
          schema: z.looseObject({ id: z.string() }),
          contentType: 'application/did+json',
        },
        404: 'Unknown issuer (every issuer has one, did:key issuers too: their earlier did:web awards resolve)',
      },
      async handler({ params, res }) {
        const doc = await rt.issuerKeys.dids.didDocument(params.issuer_id);
        if (!doc) throw new NotFoundError(`Issuer "${params.issuer_id}" has no did:web document.`);
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
        res.setHeader('Cache-Control', 'public, max-age=300');
        res.status(200).type('application/did+json').send(JSON.stringify(doc));
      },
    }),
  ];
}
