import type { Principal } from '../auth/principal.js';
import { isOrgAdmin } from '../auth/permissions.js';
import { ForbiddenError } from '../errors.js';

/**
 * Who may do what with an org's catalog (pure). Every member reads issuers and public
 * credentials; admins (platform and department) also see non-public credentials; only the org's
 * platform admins change anything.
 */
export function assertCatalogWriter(p: Principal, org: string): void {
  if (p.role !== 'platform_admin' || p.org !== org) {
    throw new ForbiddenError(
      `Only platform admins of org "${org}" may change its issuers, credentials, signatories and images.`,
    );
  }
}

export function seesNonPublicCredentials(p: Principal, org: string): boolean {
  return p.org === org && isOrgAdmin(p);
}
