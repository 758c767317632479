import type { Request, Response } from 'express';
import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { envelope, envelopeSchema } from '../envelope.js';
import type { Runtime } from '../../runtime.js';
import { assertionObjectSchema } from '../../issuance/assertion-format.js';
import { NotFoundError } from '../../errors.js';
import { STATUS_LIST_TTL_MS } from '../../issuance/status-lists.js';
import { verificationPageSender } from './public-verify.js';
import { microCache } from '../micro-cache.js';

/**
 * What a verifier, wallet or backpack fetches without credentials. Content types follow
 * OPEN-BADGES.md: the VC-JWT as text/plain (§2.1), the OB 3.0 credential as
 * application/vc+ld+json (§2.2), OB 2.0 and OB 3.0 JSON-LD objects as application/ld+json (§4.2),
 * keys as application/jwk+json and application/jwk-set+json (§2.3). Express adds a (weak) ETag to
 * every body and answers If-None-Match with 304.
 */
const pub = '/api/credentials/public';
const id = z.string().min(1).max(100);
const assertionParams = z.object({ entity_id: id });

/** JSON-LD documents (Open Badges' own schemas define them; see src/openbadges/schemas). */
const jsonLd = z.looseObject({ '@context': z.unknown(), id: z.string().optional(), type: z.unknown() });
const jwk = z.looseObject({ kty: z.string(), kid: z.string().optional() });

/** Mutable documents (an assertion can be revoked, a list re-signed): short caching. */
const SHORT = 'public, max-age=60';
const LIST = `public, max-age=${Math.floor(STATUS_LIST_TTL_MS / 1000)}`;
const PROFILE = 'public, max-age=300';
/** In-process reuse of the public assertion JSON. */
const ASSERTION_JSON_TTL_MS = 1000;
/** Status list forms by Accept, JWT first so that a wildcard Accept keeps the answer it always had. */
const STATUS_LIST_TYPES = ['application/vc+jwt', 'application/vc+ld+json', 'application/ld+json', 'application/json'];
/** A key id names one key forever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Access-Control-Allow-Origin: * comes with every public route (src/http/route.ts). */
function publicHeaders(res: Response, cacheControl: string): void {
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  res.setHeader('Cache-Control', cacheControl);
}

function sendDocument(res: Response, type: string, body: string | object, cacheControl: string, status = 200): void {
  publicHeaders(res, cacheControl);
  res
    .status(status)
    .type(type)
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

/** JSON-LD unless the client accepts only plain JSON (the OB 2.0 hosting rule); caches key on Accept. */
function jsonLdType(req: Request, res: Response): string {
  res.vary('Accept');
  return req.accepts(['application/ld+json', 'application/json']) === 'application/json'
    ? 'application/json'
    : 'application/ld+json';
}

export function publicAssertionRoutes(rt: Runtime): RouteDef[] {
  const docs = rt.services.publicDocuments;
  const sendVerificationPage = verificationPageSender(rt);
  // The most fetched public document (every share link, every backpack refresh). A revocation
  // shows here within ASSERTION_JSON_TTL_MS, well inside the max-age every cache may already keep.
  const assertionJson = microCache<string>({ ttlMs: ASSERTION_JSON_TTL_MS, maxEntries: 10_000 });

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
        // exists for revoked assertions too; everything else the JSON as before.
        res.vary('Accept');
        if (req.accepts(['application/json', 'text/html']) === 'text/html')
          return sendVerificationPage(params.entity_id, res);
        let body: string;
        try {
          body = await assertionJson.get(params.entity_id, async () => {
            return JSON.stringify(envelope(await docs.publicAssertion(params.entity_id)));
          });
        } catch (err) {
          // The seed: an unknown assertion is a 404 with an empty body (a revoked one says why).
          if (err instanceof NotFoundError && !err.extra) return void res.status(404).end();
          throw err;
        }
        publicHeaders(res, SHORT);
        res.status(200).type('application/json').send(body);
      },
    }),
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
    defineRoute({
      method: 'get',
      path: `${pub}/status-lists/{list_id}`,
      summary: 'A Bitstring Status List credential (VC-JWT signed by the issuer), re-signed when a bit flips',
      tag: 'public',
      auth: 'public',
      params: z.object({ list_id: id }),
      responses: {
        200: { description: 'The signed status list', schema: z.string(), contentType: 'application/vc+jwt' },
        404: 'Unknown list',
      },
      async handler({ params, req, res }) {
        // Wallets ask for JSON and need the Data Integrity form; anything else gets the VC-JWT.
        res.vary('Accept');
        const wanted = req.accepts(STATUS_LIST_TYPES);
        if (wanted && wanted !== 'application/vc+jwt') {
          const di = await rt.services.statusLists.dataIntegrityList(params.list_id);
          if (!di) throw new NotFoundError(`Status list "${params.list_id}" does not exist.`);
          sendDocument(res, wanted === 'application/json' ? wanted : 'application/vc+ld+json', di, LIST);
          return;
        }
        sendDocument(res, 'application/vc+jwt', await docs.statusList(params.list_id), LIST);
      },
    }),
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
