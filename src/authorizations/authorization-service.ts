import type { Principal } from '../auth/principal.js';
import type { AuthorizationRepository, AuthorizationRow, OrgSummaryRow } from '../db/authorization-repository.js';
import type { Db } from '../db/database.js';
import type { DirectoryService } from '../directory/directory-service.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { newUuid } from '../ids.js';
import type { PublicUrls } from '../public-urls.js';
import { toOrganizationObject } from './organization-object.js';

/**
 * An org (the grantor) authorizes another org to issue its credentials: all of them, or only the
 * allowed badge templates. Only the grantor's platform admins grant or withdraw; admins of either
 * side read their own view (issuers of a grantor, grantors of an issuer). Orgs are named by slug
 * or by UUID, in the path and in `issuer_id`; an unknown org is a 404 before any 403.
 */
export interface AuthorizeInput {
  /** The org to authorize: its slug or its UUID. */
  issuer_id: string;
  authorization_type?: string;
  display_issuer_as?: 'grantor' | 'issuer';
  restrict_by_badge_templates?: boolean;
  allowed_badge_templates?: string[];
}

function assertPlatformAdmin(p: Principal, org: string): void {
  if (p.org !== org || p.role !== 'platform_admin')
    throw new ForbiddenError(`Only platform admins of "${org}" manage its authorized issuers.`);
}

function assertReader(p: Principal, org: string): void {
  if (p.org !== org || p.role === 'student')
    throw new ForbiddenError(`Only admins of "${org}" see its issuer authorizations.`);
}

/** Does this authorization cover that credential of the grantor? */
export function covers(
  a: Pick<AuthorizationRow, 'restrict_by_badge_templates' | 'allowed_badge_templates'>,
  credentialId: string,
): boolean {
  return !a.restrict_by_badge_templates || a.allowed_badge_templates.includes(credentialId);
}

export interface AuthorizationServiceDeps {
  db: Db;
  authorizationRepo: AuthorizationRepository;
  directory: DirectoryService;
  urls: PublicUrls;
}

export function authorizationService(deps: AuthorizationServiceDeps) {
  const { db, authorizationRepo: repo, directory, urls } = deps;
  const orgObject = (org: string, s: OrgSummaryRow | undefined) =>
    toOrganizationObject(
      s ?? { org, id: org, name: org, url: null, photo_url: null, issuer: null, badge_template_count: 0 },
      urls.issuerProfile,
    );

  /** The path's org (slug or UUID) as its slug. */
  const slugOf = async (ref: string) => (await directory.resolveOrg(ref)).org;

  async function toObjects(rows: AuthorizationRow[], parts: ('issuer' | 'grantor')[]) {
    const summaries = await repo.orgSummaries([...new Set(rows.flatMap((r) => [r.grantor_org, r.issuer_org]))]);
    return rows.map((r) => {
      if (!parts.includes('issuer'))
        return { id: r.id, grantor: orgObject(r.grantor_org, summaries.get(r.grantor_org)) };
      return {
        id: r.id,
        authorization_type: r.authorization_type,
        display_issuer_as: r.display_issuer_as,
        restrict_by_badge_templates: r.restrict_by_badge_templates,
        subscription_type: null,
        allowed_badge_templates: r.allowed_badge_templates,
        collections: [],
        issuer: orgObject(r.issuer_org, summaries.get(r.issuer_org)),
        grantor: orgObject(r.grantor_org, summaries.get(r.grantor_org)),
      };
    });
  }

  return {
    async authorize(p: Principal, grantorRef: string, input: AuthorizeInput) {
      const grantorOrg = await slugOf(grantorRef);
      assertPlatformAdmin(p, grantorOrg);
      const issuerOrg = await slugOf(input.issuer_id);
      if (issuerOrg === grantorOrg) {
        const fieldErrors = { issuer_id: ['is the granting organization'] };
        throw new ValidationError('An organization cannot authorize itself.', { fieldErrors });
      }
      const restricted = input.restrict_by_badge_templates ?? false;
      const allowed = [...new Set(input.allowed_badge_templates ?? [])];
      if (restricted && allowed.length === 0) {
        throw new ValidationError('restrict_by_badge_templates needs allowed_badge_templates.', {
          fieldErrors: { allowed_badge_templates: ['required when restricted'] },
        });
      }
      if (allowed.length) {
        const found = await db
          .selectFrom('credentials')
          .select('id')
          .where('org', '=', grantorOrg)
          .where('deleted_at', 'is', null)
          .where('id', 'in', allowed)
          .execute();
        const missing = allowed.filter((id) => !found.some((f) => f.id === id));
        if (missing.length)
          throw new ValidationError(`Unknown badge templates of "${grantorOrg}": ${missing.join(', ')}.`, {
            fieldErrors: { allowed_badge_templates: missing.map((m) => `unknown ${m}`) },
          });
      }
      const row = await repo.insert({
        id: newUuid(),
        grantor_org: grantorOrg,
        issuer_org: issuerOrg,
        authorization_type: input.authorization_type ?? 'platform',
        display_issuer_as: input.display_issuer_as ?? 'grantor',
        restrict_by_badge_templates: restricted,
        allowed_badge_templates: allowed,
        created_by: p.userId,
      });
      if (!row) throw new ConflictError(`"${issuerOrg}" is already authorized to issue for "${grantorOrg}".`);
      return (await toObjects([row], ['issuer', 'grantor']))[0];
    },

    async deauthorize(p: Principal, grantorRef: string, id: string): Promise<void> {
      const grantorOrg = await slugOf(grantorRef);
      assertPlatformAdmin(p, grantorOrg);
      const row = await repo.getActive(grantorOrg, id);
      if (!row) throw new NotFoundError(`Authorization "${id}" does not exist.`);
      await repo.softDelete(id);
    },

    async listIssuers(p: Principal, grantorRef: string, page: { offset: number; limit: number }) {
      const grantorOrg = await slugOf(grantorRef);
      assertReader(p, grantorOrg);
      const { count, rows } = await repo.list('grantor_org', grantorOrg, page);
      return { count, data: await toObjects(rows, ['issuer', 'grantor']) };
    },

    async listGrantors(p: Principal, issuerRef: string, page: { offset: number; limit: number }) {
      const issuerOrg = await slugOf(issuerRef);
      assertReader(p, issuerOrg);
      const { count, rows } = await repo.list('issuer_org', issuerOrg, page);
      return { count, data: await toObjects(rows, ['grantor']) };
    },

    /** The authorization letting `issuerOrg` issue a credential of `grantorOrg`, or undefined. */
    async authorizationFor(
      issuerOrg: string,
      grantorOrg: string,
      credentialId: string,
    ): Promise<AuthorizationRow | undefined> {
      const a = await repo.findAuthorization(grantorOrg, issuerOrg);
      return a && covers(a, credentialId) ? a : undefined;
    },
  };
}

export type AuthorizationService = ReturnType<typeof authorizationService>;
