import type { Principal } from '../auth/principal.js';
import { administersDepartment, canAdministerOrg, MAIN_ORG } from '../auth/permissions.js';
import { ForbiddenError } from '../errors.js';

/**
 * Who acts on the directory: the principal of a request, or `system` for the CLI and the
 * first-start bootstrap, which act with the machine's own authority.
 */
export type Actor = Principal | 'system';

export function assertAdmin(actor: Actor, org: string): void {
  if (actor !== 'system' && !canAdministerOrg(actor, org)) {
    throw new ForbiddenError(`You may not administer org "${org}".`);
  }
}

/** Another org's admins learn nothing of this org's groups, not even whether one exists. */
export function assertInOrg(actor: Actor, org: string): void {
  if (actor !== 'system' && actor.org !== org && !canAdministerOrg(actor, org)) {
    throw new ForbiddenError(`You may not administer org "${org}".`);
  }
}

export function assertGroupAdmin(actor: Actor, org: string, departmentId: string | null): void {
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
export function mustKeepAdmin(actor: Actor, org: string): boolean {
  return actor !== 'system' && org === MAIN_ORG;
}
