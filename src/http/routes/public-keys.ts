import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import type { Runtime } from '../../runtime.js';
import { id, IMMUTABLE, jwk, PROFILE, pub, sendDocument } from './public-document-response.js';

/** One issuer public key: what a JWT `kid` dereferences to. */
export function publicKeyRoutes(rt: Runtime): RouteDef[] {
  const docs = rt.services.publicDocuments;
  return [
    defineRoute({
      method: 'get',
      path: `${pub}/keys/{key_id}`,
      summary: 'One public JWK: what a JWT `kid` dereferences to',
      tag: 'public',
      auth: 'public',
      params: z.object({ key_id: id }),
      responses: {
        200: { description: 'The public JWK', schema: jwk, contentType: 'application/jwk+json' },
        404: 'Unknown key',
      },
      async handler({ params, res }) {
        sendDocument(res, 'application/jwk+json', await docs.key(params.key_id), IMMUTABLE);
      },
    }),
  ];
}

/** Every issuer public key at the well-known address. */
export function publicKeySetRoutes(rt: Runtime): RouteDef[] {
  const docs = rt.services.publicDocuments;
  return [
    defineRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      summary: 'Every issuer public key, retired keys included',
      tag: 'public',
      auth: 'public',
      responses: {
        200: {
          description: 'The key set',
          schema: z.object({ keys: z.array(jwk) }),
          contentType: 'application/jwk-set+json',
        },
      },
      async handler({ res }) {
        sendDocument(res, 'application/jwk-set+json', await docs.jwks(), PROFILE);
      },
    }),
  ];
}
