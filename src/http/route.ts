import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { z, type ZodType } from 'zod';
import type { Principal } from '../auth/principal.js';
import { UnsupportedMediaTypeError, ValidationError } from '../errors.js';
import { assertSafeBody } from './input-guards.js';
import { BODY_TYPES, coerceFormFields, formBodyParser, FORM_TYPES } from './form-body.js';

/**
 * One declaration per route: method, path, auth, and the zod schemas that both validate the
 * request and generate the OpenAPI document, so the two cannot drift apart.
 */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface HandlerContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Present on every route that is not public. */
  principal: Principal;
  /**
   * For a public route that also takes a bearer token: the app's authenticate, so a refused token
   * counts against the same per-address budget as on every other route (src/http/rate-limit.ts).
   */
  authenticate(): Promise<Principal>;
  /** The absolute URL of this request under PUBLIC_BASE_URL (for pagination links). */
  url: string;
  req: Request;
  res: Response;
}

/** A documented response: its body schema (zod) and media type (default application/json). */
export interface ResponseDoc {
  description: string;
  schema?: ZodType;
  contentType?: string;
}

export interface RouteDef<P extends ZodType = ZodType, Q extends ZodType = ZodType, B extends ZodType = ZodType> {
  method: Method;
  /** OpenAPI style (`/api/admin/orgs/{org}`); also matched with a trailing slash. */
  path: string;
  summary: string;
  tag: string;
  /** `tenant`: bearer auth plus the path's {org} and {user_id} must be the caller's. */
  auth: 'public' | 'bearer' | 'tenant';
  /**
   * `any`: on a tenant route, {user_id} names the user the route reads (not the caller), and the
   * route's service decides who may read whom. The org check stays. Default: the caller.
   */
  pathUser?: 'caller' | 'any';
  params?: P;
  query?: Q;
  body?: B;
  /** Overrides the default JSON body limit for routes that need more (bulk issuance). */
  bodyLimit?: string;
  /**
   * Other forms of the same body (a CSV bulk): these types are accepted too, and the middleware
   * (run before the JSON and form parsers) turns them into the object the body schema validates.
   */
  altBody?: { contentTypes: string[]; middleware: RequestHandler[] };
  /** Non-JSON bodies (multipart uploads, raw files) are parsed by the route's own middleware. */
  rawBody?: { contentTypes: string[]; middleware: RequestHandler[] };
  /** Per status: a description, or a description with the body's schema (and media type). */
  responses?: Record<number, string | ResponseDoc>;
  /**
   * How this route's errors look: the credentials API's envelope (default), or Credly's
   * `{"data": {"message": …}}` for the Credly-style routes (issuer authorizations). Status codes
   * are the same either way; src/http/error-handler.ts renders both.
   */
  errorShape?: ErrorShape;
  handler: (ctx: HandlerContext<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<void> | void;
}

export type ErrorShape = 'envelope' | 'credly';

export function defineRoute<P extends ZodType, Q extends ZodType, B extends ZodType>(def: RouteDef<P, Q, B>): RouteDef {
  return def as unknown as RouteDef;
}

export function toExpressPath(path: string): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}

function fieldErrorsOf(err: z.ZodError, where: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of err.issues) {
    const key = issue.path.length ? issue.path.join('.') : where;
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

function parse<T>(schema: ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return value as T;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const fieldErrors = fieldErrorsOf(r.error, where);
  const first = Object.entries(fieldErrors)[0];
  throw new ValidationError(`Invalid ${where}: ${first[0]}: ${first[1][0]}`, { fieldErrors });
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

export interface RouteMiddleware {
  authenticate: RequestHandler;
  /** `orgOnly` serves the `pathUser: 'any'` routes; without it they get the full check (fail closed). */
  tenant: RequestHandler & { orgOnly?: RequestHandler };
  defaultBodyLimit: string;
  publicBaseUrl: string;
}

const allowAnyOrigin: RequestHandler = (_req, res, next) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  next();
};

/** Written first in a route's chain, so that auth and body errors take the route's shape too. */
const errorShapeMarker =
  (shape: ErrorShape): RequestHandler =>
  (_req, res, next) => {
    res.locals.errorShape = shape;
    next();
  };

export function mountRoutes(router: Router, defs: RouteDef[], mw: RouteMiddleware): void {
  for (const def of defs) {
    const chain: RequestHandler[] = [];
    if (def.errorShape && def.errorShape !== 'envelope') chain.push(errorShapeMarker(def.errorShape));
    // Verifiers and wallets run in browsers on other origins: they must read our answers, the
    // 404s and 410s that say why a credential is gone included.
    if (def.auth === 'public') chain.push(allowAnyOrigin);
    if (def.auth !== 'public') chain.push(mw.authenticate);
    if (def.auth === 'tenant') chain.push(def.pathUser === 'any' ? (mw.tenant.orgOnly ?? mw.tenant) : mw.tenant);
    if (def.rawBody) {
      const types = def.rawBody.contentTypes;
      chain.push((req, _res, next) => {
        if (hasBody(req) && !req.is(types)) throw new UnsupportedMediaTypeError(`Expected ${types.join(' or ')}.`);
        next();
      });
      chain.push(...def.rawBody.middleware);
    } else if (def.body) {
      // As a Django REST Framework API: JSON, or the same fields as a form (src/http/form-body.ts).
      const accepted = [...BODY_TYPES, ...(def.altBody?.contentTypes ?? [])];
      chain.push((req, _res, next) => {
        if (hasBody(req) && !req.is(accepted)) {
          const types = `${accepted.slice(0, -1).join(', ')} or ${accepted.at(-1)}`;
          throw new UnsupportedMediaTypeError(`Request body must be ${types}.`);
        }
        next();
      });
      if (def.altBody) chain.push(...def.altBody.middleware);
      const limit = def.bodyLimit ?? mw.defaultBodyLimit;
      chain.push(express.json({ limit, strict: true }));
      const schema = def.body;
      chain.push(...formBodyParser(limit), (req, _res, next) => {
        if (req.is(FORM_TYPES) && req.body && typeof req.body === 'object') {
          req.body = coerceFormFields(req.body, schema);
        }
        next();
      });
    }
    chain.push(async (req: Request, res: Response, _next: NextFunction) => {
      assertSafeBody(req.body, 'body');
      const params = parse(def.params, req.params, 'path');
      const query = parse(def.query, req.query, 'query');
      const body = def.body ? parse(def.body, req.body ?? {}, 'body') : req.body;
      const url = mw.publicBaseUrl + req.originalUrl;
      const authenticate = () =>
        new Promise<Principal>((resolve, reject) => {
          const next = (err?: unknown) => (err ? reject(err) : resolve(req.principal as Principal));
          Promise.resolve(mw.authenticate(req, res, next)).catch(reject);
        });
      await def.handler({ params, query, body, principal: req.principal as Principal, authenticate, url, req, res });
    });
    router[def.method](toExpressPath(def.path), ...chain);
  }
}
