import net from 'node:net';
import type { Request, RequestHandler, Response } from 'express';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config, RateLimitRule } from '../config.js';
import type { Logger } from '../logger.js';
import { TooManyRequestsError, UnauthorizedError } from '../errors.js';
import { redisRetryStrategy, type RedisTarget } from '../queue/queue-set.js';

/**
 * Request budgets shared by every API process through Redis (rate-limiter-flexible): per client
 * IP on the public routes (verify and rendered files have budgets of their own), per principal on
 * the authenticated API, and per client IP for refused tokens. Counters live under
 * `{QUEUE_PREFIX}:ratelimit:…` so installations sharing a Redis keep apart.
 *
 * Redis away: each process falls back to an in-memory budget of the same size (insuranceLimiter),
 * so the public page keeps working and stays bounded per process; if even that fails the request
 * passes (fail open) — a limiter must never be what takes verification down.
 */
export type PublicKind = 'public' | 'verify' | 'render';
type Kind = PublicKind | 'api' | 'authFailures';

export interface RateLimits {
  /** Per client IP on the public routes; other paths pass untouched. */
  publicRoutes: RequestHandler;
  /**
   * For the answers served from memory (src/http/public-answers.ts): a per-process budget of the
   * same size as the public one. They cost no I/O, so they make no Redis call either — the
   * shared budget guards the work (database reads, verifications) that a cache miss causes.
   */
  cachedPublic(req: Request, res: Response): Promise<void>;
  /** Wraps authentication: refused-token throttle before it, the principal's budget after it. */
  authenticate(inner: RequestHandler): RequestHandler;
  close(): Promise<void>;
}

const PUBLIC = '/api/credentials/public/';
const RENDERED_FILE = /^\/api\/credentials\/public\/assertions\/[^/]+\/(certificate\.(pdf|png)|badge\.(png|svg))\/?$/;

/** Which public budget a request draws on (Express matches paths case-insensitively, so do we). */
export function publicKindOf(method: string, rawPath: string): PublicKind | undefined {
  const path = rawPath.toLowerCase();
  if (method === 'POST' && (path === `${PUBLIC}verify` || path === `${PUBLIC}verify/`)) return 'verify';
  if (RENDERED_FILE.test(path)) return 'render';
  if (path.startsWith(PUBLIC) || path.startsWith('/v/') || path.startsWith('/.well-known/')) return 'public';
  return undefined;
}

/** One key per client: an IPv4 address, or the /64 of an IPv6 one (a single host usually owns a whole /64). */
export function clientKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4) return v4[1];
  if (net.isIPv6(ip)) return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
  return ip;
}

function expandIPv6(ip: string): string[] {
  const [head, tail] = ip.split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...zeros, ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

const WHAT: Record<Kind, string> = {
  public: 'requests from your address to the public pages',
  verify: 'verification requests from your address',
  render: 'certificate and badge downloads from your address',
  api: 'API requests with these credentials',
  authFailures: 'refused tokens from your address',
};

function perWindow(rule: RateLimitRule): string {
  const unit: Record<number, string> = { 1: 'second', 60: 'minute', 3600: 'hour' };
  return `${rule.points} per ${unit[rule.seconds] ?? `${rule.seconds} s`}`;
}

function tooMany(kind: Kind, rule: RateLimitRule, msBeforeNext: number): TooManyRequestsError {
  const retryAfterS = Math.max(1, Math.ceil(msBeforeNext / 1000));
  const message = `Too many ${WHAT[kind]} (at most ${perWindow(rule)}); retry in ${retryAfterS} s.`;
  return new TooManyRequestsError(message, retryAfterS);
}

/** Runs a middleware to its `next()` as a promise (Express 5 middlewares may also reject). */
function run(mw: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    Promise.resolve(mw(req, res, (err?: unknown) => (err ? reject(err) : resolve()))).catch(reject);
  });
}

const passThrough: RateLimits = {
  publicRoutes: (_req, _res, next) => next(),
  cachedPublic: async () => undefined,
  authenticate: (inner) => inner,
  close: async () => undefined,
};

export interface RateLimitOptions {
  redis: RedisTarget;
  rules: Config['rateLimits'];
  logger: Logger;
}

export function createRateLimits(opts: RateLimitOptions): RateLimits {
  const { rules, logger } = opts;
  if (!rules) return passThrough;
  // Its own connection, failing fast like the queue producers: a limiter call never waits for Redis.
  const client = new Redis(opts.redis.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    retryStrategy: redisRetryStrategy,
    // Every public request costs a limiter call: those of one event-loop turn go out in one write.
    enableAutoPipelining: true,
  });
  client.on('error', (err: Error) => logger.debug({ err: err.message }, 'rate limit redis connection error'));

  const limiter = (kind: Kind): RateLimiterAbstract =>
    new RateLimiterRedis({
      storeClient: client,
      rejectIfRedisNotReady: true,
      keyPrefix: `${opts.redis.prefix}:ratelimit:${kind}`,
      points: rules[kind].points,
      duration: rules[kind].seconds,
      insuranceLimiter: new RateLimiterMemory({ points: rules[kind].points, duration: rules[kind].seconds }),
    });
  const limiters: Record<Kind, RateLimiterAbstract> = {
    public: limiter('public'),
    verify: limiter('verify'),
    render: limiter('render'),
    api: limiter('api'),
    authFailures: limiter('authFailures'),
  };

  async function consume(kind: Kind, key: string): Promise<void> {
    try {
      await limiters[kind].consume(key);
    } catch (r) {
      if (r instanceof RateLimiterRes) throw tooMany(kind, rules![kind], r.msBeforeNext);
      logger.warn({ err: (r as Error)?.message, kind }, 'rate limiter unavailable: request let through');
    }
  }

  const inMemory = new RateLimiterMemory({ points: rules.public.points, duration: rules.public.seconds });
  // Browsers on other origins (verifiers, wallets) must be able to read the 429 and its Retry-After.
  const corsFor429 = (res: Response) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
  };

  return {
    async publicRoutes(req, res, next) {
      const kind = publicKindOf(req.method, req.path);
      if (kind) {
        corsFor429(res);
        await consume(kind, clientKey(req.ip));
      }
      next();
    },

    async cachedPublic(req, res) {
      try {
        await inMemory.consume(clientKey(req.ip));
      } catch (r) {
        corsFor429(res);
        throw r instanceof RateLimiterRes ? tooMany('public', rules.public, r.msBeforeNext) : r;
      }
    },

    authenticate(inner) {
      return async (req, res, next) => {
        const ip = clientKey(req.ip);
        // Only a token that was presented and refused counts: a missing header is not a guess.
        const presented = (req.headers.authorization ?? '').trim() !== '';
        if (presented) {
          const seen = await limiters.authFailures.get(ip).catch(() => null);
          if (seen && seen.consumedPoints >= rules.authFailures.points) {
            throw tooMany('authFailures', rules.authFailures, seen.msBeforeNext);
          }
        }
        try {
          await run(inner, req, res);
        } catch (err) {
          if (presented && err instanceof UnauthorizedError) {
            await limiters.authFailures.penalty(ip).catch(() => undefined);
          }
          throw err;
        }
        const p = req.principal!;
        await consume('api', `${p.org}:${p.userId}`);
        next();
      };
    },

    async close() {
      client.disconnect();
    },
  };
}
