import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Request, type RequestHandler, type Router } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Runtime } from '../runtime.js';
import { isSuperAdmin, MAIN_ORG } from '../auth/permissions.js';
import { ForbiddenError } from '../errors.js';
import { QUEUE_NAMES } from '../queue/queues.js';

/**
 * bull-board at /admin/queues, for the main org's platform admins only: a request carries their
 * API token, or the signed cookie `POST /admin/queues/session` (with the token) hands out for
 * SESSION_S, so a browser can open the page. Read-only unless QUEUE_DASHBOARD=rw.
 *
 * The cookie is signed with a key derived from the master key, so every replica honours it, and
 * names the API token it came from: a revoked token, or a user no longer a main-org platform
 * admin, ends the session at once.
 */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';
const COOKIE = 'bw_queues';
const SESSION_S = 15 * 60;

function cookieOf(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

export function queueDashboard(rt: Runtime, authenticate: RequestHandler): Router {
  const key = rt.services.dashboardSessionKey;
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  const { directoryRepo } = rt.repos;
  const sessionValid = async (value: string | undefined): Promise<boolean> => {
    // From the right: a user id may hold dots (jane.doe); the token id, expiry and MAC do not.
    const parts = (value ?? '').split('.');
    const [mac, exp, token] = [parts.pop(), parts.pop(), parts.pop()];
    const user = parts.join('.');
    if (!user || !token || !exp || !mac || Number(exp) * 1000 < Date.now()) return false;
    const want = Buffer.from(sign(`${user}.${token}.${exp}`));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return false;
    const userId = decodeURIComponent(user);
    // '-': a platform JWT's session (no token to revoke; the JWT's own expiry bounded it).
    if (token !== '-') {
      const row = await directoryRepo.getToken(token);
      if (!row || row.revoked_at || row.org !== MAIN_ORG || row.user_id !== userId) return false;
    }
    return (await directoryRepo.getUser(MAIN_ORG, userId))?.role === 'platform_admin';
  };
  const requireSuperAdmin: RequestHandler = async (req, res, next) => {
    if (!req.headers.authorization && (await sessionValid(cookieOf(req)))) return next();
    // The app's authenticate (rate-limited on refusals), then the main-org platform admin rule.
    const afterAuth = (err?: unknown) => {
      if (err) return next(err);
      if (!isSuperAdmin(req.principal!)) {
        return next(new ForbiddenError('The queue dashboard is for platform admins of the main org.'));
      }
      next();
    };
    Promise.resolve(authenticate(req, res, afterAuth)).catch(next);
  };

  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  const readOnlyMode = rt.config.queueDashboard !== 'rw';
  createBullBoard({
    // Every queue the app has (issuance, render, webhooks, mail): a new queue name joins by itself.
    queues: (Object.keys(QUEUE_NAMES) as (keyof typeof QUEUE_NAMES)[]).map(
      (name) => new BullMQAdapter(rt.queues[name], { readOnlyMode }),
    ),
    // @bull-board/express 9.10.1 nests its own @bull-board/api 9.10.1 beside our 9.10.2: the same
    // adapter interface, but TypeScript sees two declarations of its private fields.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'badgeworks queues' } },
  });

  const router = express.Router();
  router.post(`${QUEUE_DASHBOARD_PATH}/session`, requireSuperAdmin, (req, res) => {
    const exp = Math.floor(Date.now() / 1000) + SESSION_S;
    const payload = `${encodeURIComponent(req.principal!.userId)}.${req.principal!.tokenId ?? '-'}.${exp}`;
    const secure = rt.config.publicBaseUrl.startsWith('https:') ? '; Secure' : '';
    res.setHeader(
      'Set-Cookie',
      `${COOKIE}=${payload}.${sign(payload)}; Path=${QUEUE_DASHBOARD_PATH}; Max-Age=${SESSION_S}; HttpOnly; SameSite=Strict${secure}`,
    );
    res.status(204).end();
  });
  router.use(QUEUE_DASHBOARD_PATH, requireSuperAdmin, serverAdapter.getRouter() as Router);
  return router;
}
