import type { Request, RequestHandler } from 'express';
import type { Runtime } from '../runtime.js';
import { microCache } from '../cache/micro-cache.js';
import { envelope } from './envelope.js';
import { prepareResponse, sendPrepared, type PreparedResponse } from './prepared-response.js';
import { staticSecurityHeaders } from './security-headers.js';
import type { RateLimits } from './rate-limit.js';
import { SHORT } from './routes/public-document-response.js';
import { walletSection } from '../verification/wallet-section.js';
import {
  renderVerificationPage,
  verificationPageCsp,
  verificationPageModel,
} from '../verification/verification-page.js';

/**
 * The two answers behind every shared badge link — the public assertion JSON and the verification
 * page — built once per assertion and kept prepared (src/http/prepared-response.ts) for the
 * revocation bound (PUBLIC_CACHE_MS), dropped at once in every replica when the assertion is
 * revoked or superseded (src/cache/invalidation-bus.ts).
 *
 * `hotPath` answers a GET whose answer is already cached, before helmet, the shared rate limit
 * and the router's ~150 routes; anything else (a miss, a claim link, a query it does not read,
 * another method) goes on to the declared route, which builds and caches the same bytes. Both
 * paths answer alike: the drain, request-id, log and metrics middlewares run before either, and a
 * prepared answer carries helmet's headers (src/http/security-headers.ts). A cached answer draws
 * on a per-process budget (RateLimits.cachedPublic), not on Redis.
 */
export interface PublicAnswers {
  /** The seed's envelope of the public assertion; rejects as the documents service does (404…). */
  assertionJson(assertionId: string): Promise<PreparedResponse>;
  /** The page; with a claim token it adds the wallet section and is built afresh, never kept. */
  page(assertionId: string, claim?: string): Promise<PreparedResponse>;
  /** Browsers (Accept: text/html first) get the page on the assertion URL; memoized per Accept. */
  wantsPage(req: Request): boolean;
  /** `limits.cachedPublic` is the budget of the answers it serves. */
  hotPath(limits?: Pick<RateLimits, 'cachedPublic'>): RequestHandler;
}

const ASSERTION_ROUTE = '/api/credentials/public/assertions/:entity_id/';
const PAGE_ROUTE = '/v/:entity_id';
const ASSERTION_PATH = /^\/api\/credentials\/public\/assertions\/([\w.-]{1,100})\/?$/i;
const PAGE_PATH = /^\/v\/([\w.-]{1,100})\/?$/i;

export function publicAnswers(rt: Runtime): PublicAnswers {
  const { verification, exchanges, publicDocuments } = rt.services;
  const ttlMs = rt.config.publicCacheMs;
  const json = microCache<PreparedResponse>({ ttlMs, maxEntries: 10_000 });
  const pages = microCache<{ prepared: PreparedResponse; expiresAt?: number }>({
    ttlMs,
    maxEntries: 10_000,
    expiresAt: (page) => page.expiresAt,
  });
  rt.invalidation.onAssertionsChanged((ids) => {
    for (const id of ids) {
      json.invalidate(id);
      pages.invalidate(id);
    }
  });

  // What every public answer carries either way (the route's CORS, the limiter's exposed 429 header).
  const security = {
    ...staticSecurityHeaders(),
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'Retry-After',
  };
  const jsonHeaders = {
    ...security,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': SHORT,
    'Cross-Origin-Resource-Policy': 'cross-origin',
    // One URL for people and machines (the page for browsers): caches key on Accept.
    Vary: 'Accept',
  };
  const pageHeaders = (claim: string | undefined) => ({
    ...security,
    'Content-Type': 'text/html; charset=utf-8',
    // Replaces helmet's default policy for this response: inline styles, our images, no scripts.
    'Content-Security-Policy': verificationPageCsp(rt.urls.base),
    // A page opened with a claim link is the recipient's alone: no cache may keep it.
    'Cache-Control': claim === undefined ? SHORT : 'private, no-store',
    Vary: 'Accept',
  });

  async function buildPage(assertionId: string, claim?: string) {
    const { assertion, result } = await verification.verifyAssertion(assertionId);
    const signatories = await verification.signatoriesOf(assertion);
    const model = verificationPageModel({ assertion, result, signatories, urls: rt.urls, now: new Date() });
    const wallet = claim === undefined || !model.live ? undefined : await walletSection(exchanges, assertionId, claim);
    const prepared = prepareResponse(renderVerificationPage({ ...model, wallet }), pageHeaders(claim));
    return { prepared, expiresAt: assertion.expires_at ? new Date(assertion.expires_at).getTime() : undefined };
  }

  const wantsPage = acceptsHtmlFirst();
  return {
    wantsPage,
    assertionJson: (assertionId) =>
      json.get(assertionId, async () =>
        prepareResponse(JSON.stringify(envelope(await publicDocuments.publicAssertion(assertionId))), jsonHeaders),
      ),
    async page(assertionId, claim) {
      if (claim !== undefined) return (await buildPage(assertionId, claim)).prepared;
      return (await pages.get(assertionId, () => buildPage(assertionId))).prepared;
    },
    hotPath: (limits) => async (req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      const q = req.url.indexOf('?');
      // A claim link's page is the recipient's own (never cached); other queries (a share's
      // tracking parameters) do not change the answer.
      if (q !== -1 && /claim/i.test(req.url.slice(q))) return next();
      const path = q === -1 ? req.url : req.url.slice(0, q);
      let hit: PreparedResponse | undefined;
      let m = PAGE_PATH.exec(path);
      if (m) {
        hit = pages.peek(m[1])?.prepared;
        res.locals.route = PAGE_ROUTE;
      } else if ((m = ASSERTION_PATH.exec(path))) {
        hit = wantsPage(req) ? pages.peek(m[1])?.prepared : json.peek(m[1]);
        res.locals.route = ASSERTION_ROUTE;
      }
      if (!hit) return next();
      if (limits) {
        try {
          await limits.cachedPublic(req, res);
        } catch (err) {
          for (const [name, value] of Object.entries(security)) res.setHeader(name, value);
          throw err;
        }
      }
      sendPrepared(req, res, hit);
    },
  };
}

/**
 * Browsers (Accept: text/html first) get the page, everything else the JSON — Express's own
 * negotiation, remembered per distinct Accept header (clients send a handful of them).
 */
function acceptsHtmlFirst(): (req: Request) => boolean {
  const seen = new Map<string, boolean>();
  return (req) => {
    const accept = req.headers.accept ?? '';
    let html = seen.get(accept);
    if (html === undefined) {
      html = req.accepts(['application/json', 'text/html']) === 'text/html';
      if (seen.size >= 256) seen.clear();
      seen.set(accept, html);
    }
    return html;
  };
}
