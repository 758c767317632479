import type { DirectoryRepository, OrgRow } from '../db/directory-repository.js';
import { generateApiToken, hashApiToken } from '../auth/api-token.js';
import type { Principal } from '../auth/principal.js';
import { canAdministerOrg } from '../auth/permissions.js';
import { NotFoundError } from '../errors.js';
import { newUuid } from '../ids.js';
import { assertAdmin, type Actor } from './directory-access.js';

/** API tokens: created for a user, revoked, and resolved to a principal (part of the directory service). */
export function apiTokens(repo: DirectoryRepository, requireOrg: (org: string) => Promise<OrgRow>) {
  return {
    /** Returns the token once; only its hash is kept. */
    async createToken(
      actor: Actor,
      org: string,
      userId: string,
      token?: string,
    ): Promise<{ id: string; token: string }> {
      assertAdmin(actor, org);
      await requireOrg(org);
      if (!(await repo.getUser(org, userId)))
        throw new NotFoundError(`User "${userId}" does not exist in org "${org}".`);
      const value = token ?? generateApiToken();
      const id = newUuid();
      await repo.insertToken({ id, org, user_id: userId, token_hash: hashApiToken(value) });
      return { id, token: value };
    },

    /** An org's tokens (at most 1000, newest first) for its admins: ids and dates, never values. */
    async listTokens(actor: Actor, org: string, opts: { userId?: string; includeRevoked?: boolean } = {}) {
      assertAdmin(actor, org);
      await requireOrg(org);
      return repo.listTokens(org, { userId: opts.userId, includeRevoked: opts.includeRevoked ?? false });
    },

    async revokeToken(actor: Actor, id: string): Promise<void> {
      const row = await repo.getToken(id);
      // Another org's token is as invisible as a missing one.
      if (!row || (actor !== 'system' && !canAdministerOrg(actor, row.org))) {
        throw new NotFoundError(`Token "${id}" does not exist.`);
      }
      await repo.revokeToken(id);
    },

    /** Resolves an opaque API token to its principal, or undefined when unknown or revoked. */
    async authenticateToken(token: string): Promise<Principal | undefined> {
      const row = await repo.findActiveToken(hashApiToken(token));
      if (!row) return undefined;
      const user = await repo.getUser(row.org, row.user_id);
      if (!user) return undefined;
      return {
        userId: user.user_id,
        org: user.org,
        role: user.role,
        departments: user.departments,
        via: 'token',
        tokenId: row.id,
      };
    },
  };
}
