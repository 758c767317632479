import type { Principal } from '../auth/principal.js';
import type {
  AssignmentScope,
  AssignmentStatus,
  GroupAssignmentRow,
  UserAssignmentRow,
  AssignmentRepository,
} from '../db/assignment-repository.js';
import type { DirectoryService } from '../directory/directory-service.js';
import type { CatalogRepository } from '../db/catalog-repository.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { PublicUrls } from '../public-urls.js';

/**
 * Who may see and change assignments (the seed's rules): students see their own; department
 * admins the users and groups of their departments, and may assign only inside them; platform
 * admins everything in their org. Only admins delete.
 */
function scopeOf(p: Principal, org: string): AssignmentScope {
  if (p.role === 'platform_admin') return { org, kind: 'org' };
  if (p.role === 'department_admin') return { org, kind: 'departments', departments: p.departments };
  return { org, kind: 'user', userId: p.userId };
}

export function statusOf(
  row: Pick<UserAssignmentRow, 'assertion_id' | 'revoked_at' | 'expires_at'>,
  now = new Date(),
): AssignmentStatus {
  if (!row.assertion_id) return 'not_issued';
  if (row.revoked_at) return 'revoked';
  if (row.expires_at && row.expires_at <= now) return 'expired';
  return 'issued';
}

export interface AssignmentServiceDeps {
  assignmentRepo: AssignmentRepository;
  catalogRepo: CatalogRepository;
  directory: DirectoryService;
  urls: PublicUrls;
}

export function assignmentService(deps: AssignmentServiceDeps) {
  const { assignmentRepo: repo, catalogRepo, directory, urls } = deps;
  async function requireCredential(org: string, credentialId: string) {
    const credential = await catalogRepo.getCredential(org, credentialId);
    if (!credential) throw new NotFoundError(`Credential "${credentialId}" does not exist.`);
    return credential;
  }

  function toUserAssignment(r: UserAssignmentRow) {
    return {
      entityId: r.id,
      credential: {
        entityId: r.credential_id,
        name: r.credential_name,
        description: r.credential_description,
        image: r.credential_image,
      },
      user_id: r.user_id,
      group: r.group_id,
      due_date: r.due_date,
      created_at: r.created_at.toISOString(),
      status: statusOf(r),
      assertion: r.assertion_id
        ? {
            entityId: r.assertion_id,
            issuedOn: r.issued_on!.toISOString(),
            expires: r.expires_at?.toISOString() ?? null,
            revoked: r.revoked_at !== null,
            revocationReason: r.revocation_reason,
            url: urls.assertion(r.assertion_id),
          }
        : null,
    };
  }

  const toGroupAssignment = (r: GroupAssignmentRow) => ({
    entityId: r.id,
    credential: { entityId: r.credential_id, name: r.credential_name },
    group: { group_id: r.group_id, name: r.group_name, department: r.department_id },
    due_date: r.due_date,
    created_at: r.created_at.toISOString(),
    progress: { members: r.members, earned: r.earned },
  });

  return {
    async listForUsers(
      p: Principal,
      org: string,
      page: { offset: number; limit: number; credential?: string; user?: string },
    ) {
      const { count, rows } = await repo.listUserAssignments(scopeOf(p, org), {
        offset: page.offset,
        limit: page.limit,
        credentialId: page.credential,
        userIds: page.user ? [page.user] : undefined,
      });
      return { count, data: rows.map(toUserAssignment) };
    },

    async listForGroups(p: Principal, org: string, page: { offset: number; limit: number }) {
      const { count, rows } = await repo.listGroupAssignments(scopeOf(p, org), page);
      return { count, data: rows.map(toGroupAssignment) };
    },

    async assignToUsers(
      p: Principal,
      org: string,
      input: { credential: string; users: string[]; due_date?: string | null },
    ) {
      if (p.role === 'student') throw new ForbiddenError('Only platform and department admins create assignments.');
      await requireCredential(org, input.credential);
      const users = [...new Set(input.users)];
      const unknown = await directory.unknownUsers(org, users);
      if (unknown.length)
        throw new ValidationError(`Unknown users: ${unknown.slice(0, 20).join(', ')}.`, {
          fieldErrors: { users: unknown.slice(0, 100).map((u) => `unknown user ${u}`) },
        });
      if (p.role === 'department_admin') {
        const outside = await directory.usersOutsideDepartments(org, users, p.departments);
        if (outside.length)
          throw new ForbiddenError(`Users outside your departments: ${outside.slice(0, 20).join(', ')}.`);
      }
      await repo.insertUserAssignments(org, input.credential, users, input.due_date, p.userId);
      const { rows } = await repo.listUserAssignments(
        { org, kind: 'org' },
        { offset: 0, limit: users.length, credentialId: input.credential, userIds: users },
      );
      return rows.map(toUserAssignment);
    },

    async assignToGroup(
      p: Principal,
      org: string,
      input: { credential: string; group: string; due_date?: string | null },
    ) {
      if (p.role === 'student') throw new ForbiddenError('Only platform and department admins create assignments.');
      await requireCredential(org, input.credential);
      const group = await directory.getGroup(org, input.group);
      if (!group) throw new NotFoundError(`Group "${input.group}" does not exist.`);
      if (p.role === 'department_admin' && !(group.department_id && p.departments.includes(group.department_id))) {
        throw new ForbiddenError(`Group "${input.group}" is not in your departments.`);
      }
      const id = await repo.insertGroupAssignment(org, input.credential, input.group, input.due_date, p.userId);
      const { rows } = await repo.listGroupAssignments({ org, kind: 'org' }, { offset: 0, limit: 1, id });
      return toGroupAssignment(rows[0]);
    },

    async remove(p: Principal, org: string, assignmentId: string): Promise<void> {
      if (p.role === 'student') throw new ForbiddenError('Only platform and department admins delete assignments.');
      const a = await repo.get(org, assignmentId);
      if (!a) throw new NotFoundError(`Assignment "${assignmentId}" does not exist.`);
      if (p.role === 'department_admin') {
        const inScope = a.user_id
          ? (await directory.usersOutsideDepartments(org, [a.user_id], p.departments)).length === 0
          : p.departments.includes((await directory.getGroup(org, a.group_id!))?.department_id ?? '');
        if (!inScope) throw new ForbiddenError('The assignment is outside your departments.');
      }
      await repo.delete(org, assignmentId);
    },
  };
}

export type AssignmentService = ReturnType<typeof assignmentService>;
