import type { Router } from 'express';
import { z } from 'zod';
import { defineRoute, toExpressPath, type RouteDef } from '../route.js';
import type { Runtime } from '../../runtime.js';
import { UnauthorizedError } from '../../errors.js';
import type { ExchangeCreator } from '../../exchanges/exchange-service.js';
import { interactionPage } from '../../exchanges/interaction-page.js';
import { id, pub } from './public-document-response.js';

/**
 * "Add to wallet" (issue 15): creating an exchange (claim link or bearer token), the VC API
 * exchange endpoint wallets POST to, and the interaction URL the QR code carries.
 */
/** A claim link's token as a query value (src/exchanges/claim-links.ts refuses longer ones too). */
export const claimToken = z.string().min(1).max(1024);
const exchangeId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'not an exchange id');
const createdSchema = z.object({
  exchangeId: z.string(),
  exchangeUrl: z.string().describe('The VC API exchange endpoint'),
  interactionUrl: z.string().describe('What the QR code encodes (`?iuv=1`)'),
  deepLink: z.string().describe('Learner Credential Wallet deep link (`dccrequest://request?request=…`)'),
  deepLinks: z.object({ lcw: z.string(), lcwUniversal: z.string(), lcwLegacy: z.string(), learnCard: z.string() }),
  qrCodePng: z.string().describe('The QR code of interactionUrl as a `data:image/png;base64,…` URL'),
  expiresAt: z.string(),
});
const looseJson = z.looseObject({});

export function walletExchangeRoutes(rt: Runtime): RouteDef[] {
  const { exchanges } = rt.services;
  return [
    defineRoute({
      method: 'post',
      path: `${pub}/assertions/{entity_id}/exchanges`,
      summary:
        'Start an "Add to wallet" exchange for an assertion: with its claim token ({"claim"} or ?claim=), ' +
        'or a bearer token of an admin of its org (or its recipient). Single use; expires (WALLET_EXCHANGE_TTL_S). ' +
        'A claim link issues at most WALLET_MAX_COPIES copies (bearer-token exchanges are not counted)',
      tag: 'wallets',
      auth: 'public',
      params: z.object({ entity_id: id }),
      query: z.object({ claim: claimToken.optional() }),
      body: z.object({ claim: claimToken.optional() }),
      responses: {
        201: { description: 'The exchange (bare JSON)', schema: createdSchema },
        401: 'No (or an invalid or expired) claim token or bearer token',
        404: 'Unknown assertion, or one the caller may not see',
        409: 'The issuer signs no Data Integrity proofs; or the claim link has issued its WALLET_MAX_COPIES copies',
        410: 'Revoked or expired assertion',
      },
      async handler({ params, query, body, req, res, authenticate }) {
        const claim = body?.claim ?? query.claim;
        let by: ExchangeCreator;
        if (claim !== undefined) by = { claim };
        else if (req.headers.authorization) {
          // The app's authenticate: a refused token counts against RATE_LIMIT_AUTH_FAILURES here too.
          by = { principal: await authenticate() };
        } else {
          throw new UnauthorizedError('Send the claim token of the credential ({"claim": …}) or a bearer token.');
        }
        res.setHeader('Cache-Control', 'no-store');
        res.status(201).json(await exchanges.create(params.entity_id, by));
      },
    }),
    defineRoute({
      method: 'post',
      path: `${pub}/exchanges/{exchange_id}`,
      summary:
        'VC API exchange: {} → verifiablePresentationRequest (DIDAuthentication); {verifiablePresentation} ' +
        '(DID auth signed by its holder: eddsa-rdfc-2022 or Ed25519Signature2020) → {verifiablePresentation: {verifiableCredential: [the credential]}}',
      tag: 'wallets',
      auth: 'public',
      params: z.object({ exchange_id: exchangeId }),
      body: z.object({ verifiablePresentation: z.unknown().optional() }),
      responses: {
        200: {
          description: 'The request for DID authentication, or the credential issued to the holder DID',
          schema: looseJson,
        },
        400: 'A presentation without a proof, without a DID holder, or with credentials',
        404: 'Unknown exchange',
        409: 'The exchange is complete (single use): a replay; or the claim link has issued its WALLET_MAX_COPIES copies',
        410: 'The exchange has expired, or the credential was revoked meanwhile',
        413: 'Body over 1 MB',
        422: "DID authentication failed: another challenge or domain, signed by another DID than the holder's, a did:web that does not resolve, a bad signature",
      },
      async handler({ params, body, res }) {
        res.setHeader('Cache-Control', 'no-store');
        res.status(200).json(await exchanges.step(params.exchange_id, body ?? {}));
      },
    }),
    defineRoute({
      method: 'get',
      path: `${pub}/exchanges/{exchange_id}/interaction`,
      summary:
        'Interaction URL (the QR code): Accept: application/json → {protocols: {vcapi}}; browsers get a page with wallet links',
      tag: 'wallets',
      auth: 'public',
      params: z.object({ exchange_id: exchangeId }),
      query: z.object({ iuv: z.string().max(8).optional() }),
      responses: {
        200: { description: '{protocols: {vcapi: <exchange URL>}} or text/html', schema: looseJson },
        404: 'Unknown exchange',
        409: 'Complete',
        410: 'Expired',
      },
      async handler({ params, req, res }) {
        res.vary('Accept');
        res.setHeader('Cache-Control', 'no-store');
        const x = await exchanges.interaction(params.exchange_id);
        // JSON unless the client prefers HTML (a browser): wallets send Accept: application/json.
        if (req.accepts(['application/json', 'text/html']) !== 'text/html') {
          return void res.json({ protocols: x.protocols });
        }
        res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'");
        res.type('html').send(interactionPage(x));
      },
    }),
  ];
}

/**
 * Browser and WebView wallets POST JSON across origins: that needs a CORS preflight answer, which
 * the declared routes (GET/POST only) do not give. Only the wallet endpoints get one.
 */
export function mountWalletPreflight(router: Router): void {
  const paths = [`${pub}/exchanges/{exchange_id}`, `${pub}/assertions/{entity_id}/exchanges`].map(toExpressPath);
  router.options(paths, (_req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Methods', 'POST, GET');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  });
}
