import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { envelopeSchema } from '../envelope.js';
import type { Runtime } from '../../runtime.js';
import { assertionObjectSchema } from '../../issuance/assertion-format.js';
import { NotFoundError } from '../../errors.js';
import type { PublicAnswers } from '../public-answers.js';
import { sendPrepared } from '../prepared-response.js';
import { id, jsonLd, jsonLdType, pub, sendDocument, SHORT } from './public-document-response.js';

/**
 * What a verifier, wallet or backpack fetches without credentials: an assertion in its public
 * forms (issuer profiles, keys and status lists are in public-profiles.ts, public-keys.ts and
 * public-status-lists.ts; how they are answered in public-document-response.ts).
 */
const assertionParams = z.object({ entity_id: id });

/** An assertion: its VC-JWT, OB 3.0 and OB 2.0 JSON, and the public assertion (or its page). */
export function publicAssertionRoutes(rt: Runtime, answers: PublicAnswers): RouteDef[] {
  const docs = rt.services.publicDocuments;

  return [
    defineRoute({
      method: 'get',
      path: `${pub}/assertions/{entity_id}/credential.jwt`,
      summary: 'The signed OB 3.0 credential (VC-JWT, as issued)',
      tag: 'public',
      auth: 'public',
      params: assertionParams,
      responses: {
        200: { description: 'The compact JWS', schema: z.string(), contentType: 'text/plain' },
        404: 'Unknown or revoked ({detail, revocationReason})',
      },
      async handler({ params, res }) {
        const a = await docs.liveAssertion(params.entity_id);
        if (!a.credential_jwt) {
          throw new NotFoundError(
            'This credential has no VC-JWT: its issuer signs with Data Integrity only (credential.json).',
          );
        }
        sendDocument(res, 'text/plain', a.credential_jwt, SHORT);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${pub}/assertions/{entity_id}/credential.json`,
      summary: 'The OB 3.0 credential JSON (its id; the payload of the VC-JWT)',
      tag: 'public',
      auth: 'public',
      params: assertionParams,
      responses: {
        200: { description: 'The OB 3.0 credential', schema: jsonLd, contentType: 'application/vc+ld+json' },
        404: 'Unknown or revoked ({detail, revocationReason})',
      },
      async handler({ params, res }) {
        const a = await docs.liveAssertion(params.entity_id);
        sendDocument(res, 'application/vc+ld+json', a.credential_json, SHORT);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${pub}/assertions/{entity_id}/ob2`,
      summary: 'The OB 2.0 hosted assertion (410 Gone when revoked)',
      tag: 'public',
      auth: 'public',
      params: assertionParams,
      responses: {
        200: { description: 'The OB 2.0 Assertion', schema: jsonLd, contentType: 'application/ld+json' },
        404: 'Unknown, or its issuer has no email (OB 2.0 requires one)',
        410: { description: 'Revoked', schema: jsonLd, contentType: 'application/ld+json' },
      },
      async handler({ params, req, res }) {
        const r = await docs.ob2Assertion(params.entity_id);
        sendDocument(res, jsonLdType(req, res), r.body, SHORT, r.status);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${pub}/assertions/{entity_id}/`,
      summary: 'An assertion, publicly (no recipient email): 404 unknown, 404 {detail, revocationReason} revoked',
      tag: 'public',
      auth: 'public',
      params: assertionParams,
      responses: {
        200: {
          description: 'Ok (JSON), or the verification page (text/html) for browsers',
          schema: envelopeSchema(assertionObjectSchema, 'Ok'),
        },
        404: 'Unknown: an empty body (as the seed says); revoked: {detail, revocationReason} (JSON only)',
      },
      async handler({ params, req, res }) {
        // One URL for people and machines: browsers (Accept: text/html first) get the page, which
        // exists for revoked assertions too; everything else the JSON as before. Cached answers
        // are served before the router (src/http/public-answers.ts); this builds them.
        res.vary('Accept');
        if (answers.wantsPage(req)) return sendPrepared(req, res, await answers.page(params.entity_id));
        try {
          sendPrepared(req, res, await answers.assertionJson(params.entity_id));
        } catch (err) {
          // The seed: an unknown assertion is a 404 with an empty body (a revoked one says why).
          if (err instanceof NotFoundError && !err.extra) return void res.status(404).end();
          throw err;
        }
      },
    }),
  ];
}
