import { z } from 'zod';
import type { DirectoryRepository, OrgProfile, OrgRow, UserInput, UserRow } from '../db/directory-repository.js';
import { generateApiToken, hashApiToken } from '../auth/api-token.js';
import type { Principal } from '../auth/principal.js';
import { administersDepartment, canAdministerOrg, MAIN_ORG } from '../auth/permissions.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { newUuid } from '../ids.js';

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
 * first-start bootstrap, which act with the machine's own authority.
 */
export type Actor = Principal | 'system';

function assertAdmin(actor: Actor, org: string): void {
  if (actor !== 'system' && !canAdministerOrg(actor, org)) {
    throw new ForbiddenError(`You may not administer org "${org}".`);
  }
}

/** Another org's admins learn nothing of this org's groups, not even whether one exists. */
function assertInOrg(actor: Actor, org: string): void {
  if (actor !== 'system' && actor.org !== org && !canAdministerOrg(actor, org)) {
    throw new ForbiddenError(`You may not administer org "${org}".`);
  }
}

function assertGroupAdmin(actor: Actor, org: string, departmentId: string | null): void {
  if (actor === 'system' || canAdministerOrg(actor, org)) return;
  const ok =
    actor.org === org &&
    departmentId !== null &&
    actor.role === 'department_admin' &&
    administersDepartment(actor, departmentId);
  if (!ok)
    throw new ForbiddenError(
      departmentId
        ? `You do not administer department "${departmentId}".`
        : 'Only platform admins manage groups outside departments.',
    );
}

/**
 * Over HTTP the main org keeps at least one platform admin: demoting the last one would lock HTTP
 * administration out for good. The CLI (`system`) stays the operator's way back in.
 */
function mustKeepAdmin(actor: Actor, org: string): boolean {
  return actor !== 'system' && org === MAIN_ORG;
}

export function directoryService(deps: { directoryRepo: DirectoryRepository }) {
  const { directoryRepo: repo } = deps;
  async function assertKnownUsers(org: string, userIds: string[], field: string): Promise<void> {
    const unknown = await repo.unknownUsers(org, userIds);
    if (unknown.length) {
      throw new ValidationError(
        `Unknown users in org "${org}": ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ', …' : ''}.`,
        {
          fieldErrors: { [field]: unknown.slice(0, 100).map((u) => `unknown user ${u}`) },
        },
      );
    }
  }

  /** Department admins put only users of their own departments into groups. */
  async function assertMembersInScope(actor: Actor, org: string, userIds: string[]): Promise<void> {
    if (actor === 'system' || canAdministerOrg(actor, org)) return;
    const outside = await repo.usersOutsideDepartments(org, userIds, actor.departments);
    if (outside.length)
      throw new ForbiddenError(
        `Users outside your departments: ${outside.slice(0, 20).join(', ')}${outside.length > 20 ? ', …' : ''}.`,
      );
  }

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

    async putDepartment(actor: Actor, org: string, departmentId: string, name: string) {
      assertAdmin(actor, org);
      await requireOrg(org);
      await repo.upsertDepartment(org, departmentId, name);
      return { department_id: departmentId, name };
    },

    /**
     * Platform admins manage every group; department admins the groups of their departments
     * (both the group's current department and the one it is being put in).
     */
    async putGroup(
      actor: Actor,
      org: string,
      input: { group_id: string; name: string; department?: string | null; members?: string[] },
    ) {
      assertInOrg(actor, org);
      await requireOrg(org);
      const existing = await repo.getGroup(org, input.group_id);
      const department = input.department === undefined ? (existing?.department_id ?? null) : input.department;
      if (existing) assertGroupAdmin(actor, org, existing.department_id);
      assertGroupAdmin(actor, org, department);
      const members = input.members ? [...new Set(input.members)] : undefined;
      if (members) {
        await assertKnownUsers(org, members, 'members');
        await assertMembersInScope(actor, org, members);
      }
      await repo.putGroup(org, { group_id: input.group_id, name: input.name, department_id: department, members });
      return {
        group_id: input.group_id,
        name: input.name,
        department,
        members: await repo.groupMembers(org, input.group_id),
      };
    },

    async changeGroupMembers(actor: Actor, org: string, groupId: string, userIds: string[], change: 'add' | 'remove') {
      assertInOrg(actor, org);
      await requireOrg(org);
      const group = await repo.getGroup(org, groupId);
      if (!group) throw new NotFoundError(`Group "${groupId}" does not exist.`);
      assertGroupAdmin(actor, org, group.department_id);
      const unique = [...new Set(userIds)];
      if (change === 'add') {
        await assertKnownUsers(org, unique, 'users');
        await assertMembersInScope(actor, org, unique);
        await repo.addGroupMembers(org, groupId, unique);
      } else {
        await repo.removeGroupMembers(org, groupId, unique);
      }
      return { group_id: groupId, members: await repo.groupMembers(org, groupId) };
    },

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

export type DirectoryService = ReturnType<typeof directoryService>;
