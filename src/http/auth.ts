import type { RequestHandler } from 'express';
import type { Authenticator } from '../auth/authenticator.js';
import type { DirectoryService } from '../directory/directory-service.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';

export function authenticateMiddleware(auth: Authenticator): RequestHandler {
  return async (req, _res, next) => {
    const principal = await auth.authenticate(req.headers.authorization);
    if (!principal) throw new UnauthorizedError();
    req.principal = principal;
    next();
  };
}

/**
 * Tenancy for `/…/orgs/{org}/users/{user_id}/…`: an unknown org is 404, another org is 403, and
 * the path's user must be the caller (the API acts on behalf of the user it names). `orgOnly` is
 * the same check without the path-user rule, for the routes that declare `pathUser: 'any'`
 * (src/http/route.ts) because their {user_id} names whom they read, and whose service decides who
 * may read whom.
 */
export function tenantMiddleware(directory: DirectoryService): RequestHandler & { orgOnly: RequestHandler } {
  const check =
    (pathUserIsCaller: boolean): RequestHandler =>
    async (req, _res, next) => {
      const p = req.principal!;
      const org = req.params.org as string | undefined;
      if (org !== undefined) {
        await directory.requireOrg(org);
        if (p.org !== org) throw new ForbiddenError(`You do not belong to org "${org}".`);
      }
      const userId = req.params.user_id as string | undefined;
      if (pathUserIsCaller && userId !== undefined && userId !== p.userId) {
        throw new ForbiddenError('The user in the path must be the authenticated user.');
      }
      next();
    };
  return Object.assign(check(true), { orgOnly: check(false) });
}
