import { z } from 'zod';
import type { DirectoryRepository, OrgRow, UserInput, UserRow } from '../db/directory-repository.js';
import { generateApiToken, hashApiToken } from '../auth/api-token.js';
import type { Principal } from '../auth/principal.js';
import { canAdministerOrg } from '../auth/permissions.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { newUuid } from '../ids.js';

export const orgIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" and "_", at most 63 characters');
export const userIdSchema = z.string().min(1).max(255).regex(/^[^\s/?#]+$/, 'no spaces, "/", "?" or "#"');

/**
 * Orgs, users and API tokens. Callers pass the acting principal, or `system` for the CLI and the
 * first-start bootstrap, which act with the machine's own authority.
 */
export type Actor = Principal | 'system';

function assertAdmin(actor: Actor, org: string): void {
  if (actor !== 'system' && !canAdministerOrg(actor, org)) {
    throw new ForbiddenError(`You may not administer org "${org}".`);
  }
}

export function directoryService(repo: DirectoryRepository) {
  async function requireOrg(org: string): Promise<OrgRow> {
    const row = await repo.getOrg(org);
    if (!row) throw new NotFoundError(`Org "${org}" does not exist.`);
    return row;
  }

  return {
    requireOrg,
    getOrg: (org: string) => repo.getOrg(org),
    getUser: (org: string, userId: string) => repo.getUser(org, userId),

    async createOrg(actor: Actor, input: { org: string; name: string; timezone?: string }): Promise<OrgRow> {
      if (actor !== 'system' && !(actor.role === 'platform_admin' && actor.org === 'main')) {
        throw new ForbiddenError('Only platform admins of the main org create orgs.');
      }
      const row = await repo.insertOrg(input.org, input.name, input.timezone);
      if (!row) throw new ConflictError(`Org "${input.org}" already exists.`);
      return row;
    },

    async listUsers(actor: Actor, org: string, page: { offset: number; limit: number; q?: string }) {
      assertAdmin(actor, org);
      await requireOrg(org);
      return repo.listUsers(org, page);
    },

    async upsertUser(actor: Actor, org: string, user: UserInput): Promise<UserRow> {
      assertAdmin(actor, org);
      await requireOrg(org);
      await repo.upsertUsers(org, [user]);
      return (await repo.getUser(org, user.user_id))!;
    },

    async upsertUsers(actor: Actor, org: string, users: UserInput[]): Promise<number> {
      assertAdmin(actor, org);
      await requireOrg(org);
      await repo.upsertUsers(org, users);
      return users.length;
    },

    /** Returns the token once; only its hash is kept. */
    async createToken(actor: Actor, org: string, userId: string, token?: string): Promise<{ id: string; token: string }> {
      assertAdmin(actor, org);
      await requireOrg(org);
      if (!(await repo.getUser(org, userId))) throw new NotFoundError(`User "${userId}" does not exist in org "${org}".`);
      const value = token ?? generateApiToken();
      const id = newUuid();
      await repo.insertToken({ id, org, user_id: userId, token_hash: hashApiToken(value) });
      return { id, token: value };
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
      return { userId: user.user_id, org: user.org, role: user.role, departments: user.departments, via: 'token', tokenId: row.id };
    },
  };
}

export type DirectoryService = ReturnType<typeof directoryService>;
