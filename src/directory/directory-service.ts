import { z } from 'zod';
import type { DirectoryRepository, OrgProfile, OrgRow, UserInput, UserRow } from '../db/directory-repository.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { assertAdmin, mustKeepAdmin, type Actor } from './directory-access.js';
import { groupAdmin } from './group-admin.js';
import { apiTokens } from './api-tokens.js';

export type { Actor } from './directory-access.js';

export const orgIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" and "_", at most 63 characters');
export const userIdSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\s/?#]+$/, 'no spaces, "/", "?" or "#"');

/**
 * Orgs, users and API tokens. Callers pass the acting principal, or `system` for the CLI and the
 * first-start bootstrap, which act with the machine's own authority (see directory-access.ts).
 */
export function directoryService(deps: { directoryRepo: DirectoryRepository }) {
  const { directoryRepo: repo } = deps;
  async function requireOrg(org: string): Promise<OrgRow> {
    const row = await repo.getOrg(org);
    if (!row) throw new NotFoundError(`Org "${org}" does not exist.`);
    return row;
  }

  return {
    requireOrg,
    getOrg: (org: string) => repo.getOrg(org),
    /** An org named by its slug or its UUID (Credly-style paths use either). */
    async resolveOrg(ref: string): Promise<OrgRow> {
      const row = await repo.findOrg(ref);
      if (!row) throw new NotFoundError(`Organization "${ref}" does not exist.`);
      return row;
    },
    getUser: (org: string, userId: string) => repo.getUser(org, userId),
    getGroup: (org: string, groupId: string) => repo.getGroup(org, groupId),
    unknownUsers: (org: string, userIds: string[]) => repo.unknownUsers(org, userIds),
    usersOutsideDepartments: (org: string, userIds: string[], departments: string[]) =>
      repo.usersOutsideDepartments(org, userIds, departments),

    async createOrg(
      actor: Actor,
      input: { org: string; name: string; timezone?: string } & Omit<OrgProfile, 'name'>,
    ): Promise<OrgRow> {
      if (actor !== 'system' && !(actor.role === 'platform_admin' && actor.org === 'main')) {
        throw new ForbiddenError('Only platform admins of the main org create orgs.');
      }
      const profile = { url: input.url, photo_url: input.photo_url };
      const row = await repo.insertOrg(input.org, input.name, input.timezone, profile);
      if (!row) throw new ConflictError(`Org "${input.org}" already exists.`);
      return row;
    },

    async getOrgProfile(actor: Actor, org: string): Promise<OrgRow> {
      assertAdmin(actor, org);
      return requireOrg(org);
    },

    /** Name and profile (website, picture). The time zone stays: the daily roll-up is keyed by local days. */
    async updateOrg(actor: Actor, org: string, patch: OrgProfile): Promise<OrgRow> {
      assertAdmin(actor, org);
      // One statement: an org it finds nothing of is unknown, and answers as requireOrg does.
      return (await repo.updateOrg(org, patch)) ?? requireOrg(org);
    },

    async listUsers(actor: Actor, org: string, page: { offset: number; limit: number; q?: string }) {
      assertAdmin(actor, org);
      await requireOrg(org);
      return repo.listUsers(org, page);
    },

    async upsertUser(actor: Actor, org: string, user: UserInput): Promise<UserRow> {
      assertAdmin(actor, org);
      await requireOrg(org);
      await repo.upsertUsers(org, [user], { keepAPlatformAdmin: mustKeepAdmin(actor, org) });
      return (await repo.getUser(org, user.user_id))!;
    },

    /** One transaction for the whole batch; a user listed twice takes its last entry. */
    async upsertUsers(actor: Actor, org: string, users: UserInput[]): Promise<number> {
      assertAdmin(actor, org);
      await requireOrg(org);
      const unique = [...new Map(users.map((u) => [u.user_id, u])).values()];
      await repo.upsertUsers(org, unique, { keepAPlatformAdmin: mustKeepAdmin(actor, org) });
      return unique.length;
    },

    ...groupAdmin(repo, requireOrg),
    ...apiTokens(repo, requireOrg),
  };
}

export type DirectoryService = ReturnType<typeof directoryService>;
