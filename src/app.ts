import { queueDashboard } from './http/queue-dashboard.js';
import express, { type Express } from 'express';
import type { Runtime } from './runtime.js';
import { authenticateMiddleware, tenantMiddleware } from './http/auth.js';
import { errorHandler, notFoundHandler } from './http/error-handler.js';
import { createMetrics } from './http/metrics.js';
import { requestLog } from './http/request-log.js';
import { buildOpenApi, DOCS_CSP, renderDocsPage } from './http/openapi.js';
import { swaggerUiRouter } from './http/swagger-ui.js';
import { studioPageRouter } from './http/studio-page.js';
import { rejectNulInUrl } from './http/input-guards.js';
import { mountRoutes } from './http/route.js';
import { mountHealthRoutes } from './http/routes/health.js';
import { allRoutes } from './http/routes/index.js';
import { mountWalletPreflight } from './http/routes/wallet-exchanges.js';
import { VERSION } from './version.js';
import type { RateLimits } from './http/rate-limit.js';
import { drainState, type DrainState } from './http/drain.js';
import { publicAnswers } from './http/public-answers.js';
import { securityHeaders } from './http/security-headers.js';
import type { RouteDef } from './http/route.js';

/** Builds the Express app from its parts; listening is the caller's business. */
export function createApp(rt: Runtime, opts: { rateLimits?: RateLimits; drain?: DrainState } = {}): Express {
  const app = express();
  const drain = opts.drain ?? drainState();
  app.disable('x-powered-by');
  // req.ip is the client behind trusted proxies only (TRUST_PROXY); rate limits key on it.
  app.set('trust proxy', rt.config.trustProxy);
  app.use(drain.middleware);
  app.use(requestLog(rt.logger));
  const metrics = createMetrics(async () => ({
    issuance: await rt.queues.issuance.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'),
    render: await rt.queues.render.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'),
  }));
  app.use(metrics.middleware);
  // Cached public answers (a shared badge link) leave here, with helmet's headers baked in.
  const answers = publicAnswers(rt);
  app.use(answers.hotPath(opts.rateLimits));
  app.use(securityHeaders);
  app.use(rejectNulInUrl());
  if (opts.rateLimits) app.use(opts.rateLimits.publicRoutes);

  // One authenticate for every route and the dashboard: refused tokens count against the same budget.
  const authenticate = opts.rateLimits
    ? opts.rateLimits.authenticate(authenticateMiddleware(rt.authenticator))
    : authenticateMiddleware(rt.authenticator);
  const routeMiddleware = {
    authenticate,
    tenant: tenantMiddleware(rt.services.directory),
    defaultBodyLimit: rt.config.bodyLimit,
    publicBaseUrl: rt.config.publicBaseUrl,
  };
  const defs = allRoutes(rt, answers);
  const router = express.Router();
  mountWalletPreflight(router);
  // The public documents first: a share link or a verification is not walked past the docs, the
  // dashboard and ~150 tenant routes (their paths cannot collide with any other route's).
  mountRoutes(router, defs.filter(isPublicDocument), routeMiddleware);
  mountHealthRoutes(router, rt, metrics, drain);

  // Issuing requests wait on the issuance event stream: open it now, as a QueueEvents first opened
  // by a request starts reading after that request's job may already have finished.
  rt.queues
    .issuanceEvents()
    .waitUntilReady()
    .catch((err: unknown) => rt.logger.warn({ err }, 'issuance events not ready'));
  const openapi = buildOpenApi(defs, { version: VERSION, serverUrl: rt.config.publicBaseUrl });
  router.get('/api/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  const docs = renderDocsPage(openapi);
  router.get('/api/docs/reference', (_req, res) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    res.type('html').send(docs);
  });
  router.use(swaggerUiRouter());
  router.use(studioPageRouter());
  router.use(queueDashboard(rt, authenticate));
  mountRoutes(
    router,
    defs.filter((d) => !isPublicDocument(d)),
    routeMiddleware,
  );
  app.use(router);
  app.use(notFoundHandler());
  app.use(errorHandler(rt.logger));
  return app;
}

const isPublicDocument = (d: RouteDef) => d.path.startsWith('/api/credentials/public/') || d.path.startsWith('/v/');
