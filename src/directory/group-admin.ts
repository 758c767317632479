import type { DirectoryRepository, OrgRow } from '../db/directory-repository.js';
import { canAdministerOrg } from '../auth/permissions.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { assertAdmin, assertGroupAdmin, assertInOrg, type Actor } from './directory-access.js';

/** Departments and groups of an org, and who is in a group (part of the directory service). */
export function groupAdmin(repo: DirectoryRepository, requireOrg: (org: string) => Promise<OrgRow>) {
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

  return {
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
  };
}
