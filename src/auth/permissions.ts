import type { Principal } from './principal.js';

/**
 * Pure permission rules. The main org is the platform's own tenant: its platform admins operate
 * the whole installation; every other principal stays inside its own org.
 */
export const MAIN_ORG = 'main';

export function isPlatformAdmin(p: Principal): boolean {
  return p.role === 'platform_admin';
}

export function isSuperAdmin(p: Principal): boolean {
  return p.role === 'platform_admin' && p.org === MAIN_ORG;
}

/** May the principal administer (create users, tokens, …) the given org? */
export function canAdministerOrg(p: Principal, org: string): boolean {
  return isSuperAdmin(p) || (isPlatformAdmin(p) && p.org === org);
}

export function isOrgAdmin(p: Principal): boolean {
  return p.role === 'platform_admin' || p.role === 'department_admin';
}

export function administersDepartment(p: Principal, departmentId: string): boolean {
  return p.role === 'platform_admin' || (p.role === 'department_admin' && p.departments.includes(departmentId));
}
