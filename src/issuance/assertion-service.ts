import type { Db } from '../db/database.js';
import {
  assertionRepository,
  type AssertionListFilter,
  type AssertionSummary,
  type AssertionRepository,
} from '../db/assertion-repository.js';
import { statusListRepository } from '../db/status-list-repository.js';
import type { CatalogRepository } from '../db/catalog-repository.js';
import type { AuthorizationRepository } from '../db/authorization-repository.js';
import type { Principal } from '../auth/principal.js';
import { isPlatformAdmin, MAIN_ORG } from '../auth/permissions.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { StatusListService } from './status-lists.js';
import type { RecipientRepository } from '../db/recipient-repository.js';
import { assertionContextRepository } from '../db/assertion-context-repository.js';
import type { PublicUrls } from '../public-urls.js';
import { toAssertionObject, type AssertionObject } from './assertion-format.js';
import { EMPTY_RECORDED, type Notifier } from '../events/notifier.js';
import { revokedEvent } from '../events/assertion-events.js';
import { assertionsRevoked } from '../metrics/domain-metrics.js';

/** Assertion objects with their credentials' details (one query for the whole page). */
export async function presentAssertions(
  db: Db,
  urls: PublicUrls,
  rows: AssertionSummary[],
  view: 'public' | 'private',
): Promise<AssertionObject[]> {
  const contexts = await assertionContextRepository(db).loadAssertionContexts(rows.map((a) => a.credential_id));
  return rows.map((a) => {
    const ctx = contexts.get(a.credential_id);
    // No context: a credential row that vanished; no issuer email known means no OB 2.0 documents.
    const ob2Available = ctx?.issuerHasEmail ?? false;
    return toAssertionObject(a, urls, view, { credential: ctx?.credential, ob2Available });
  });
}

/**
 * Reading and revoking assertions, with the visibility rules: platform admins see every assertion
 * of their org, department admins those of their departments' members, students their own.
 */
export interface AssertionServiceDeps {
  db: Db;
  assertionRepo: AssertionRepository;
  authorizationRepo: AuthorizationRepository;
  catalogRepo: CatalogRepository;
  recipientRepo: RecipientRepository;
  statusLists: StatusListService;
  logger: Logger;
  urls: PublicUrls;
  /** Issue 16: records `assertion.revoked` in the revocation's transaction. */
  notifier?: Notifier;
}

export function assertionService(deps: AssertionServiceDeps) {
  const { db, assertionRepo, authorizationRepo, catalogRepo, recipientRepo } = deps;

  const present = (rows: AssertionSummary[], view: 'public' | 'private') =>
    presentAssertions(db, deps.urls, rows, view);

  /**
   * Whose assertions the caller may list: their own; platform admins anyone's of the org;
   * department admins their departments' members'. Students asking for another user are refused
   * (403) before the user is looked up, so they learn nothing of who exists.
   */
  async function assertMayListUser(p: Principal, org: string, userId: string): Promise<void> {
    if (userId === p.userId) return;
    if (p.role === 'student') throw new ForbiddenError('Students list only their own assertions.');
    const known = (await recipientRepo.findUsersById(org, [userId])).has(userId);
    if (!known) throw new NotFoundError(`User "${userId}" does not exist.`);
    if (p.role === 'department_admin' && !(await assertionRepo.isMemberOfDepartments(org, userId, p.departments))) {
      throw new ForbiddenError(`User "${userId}" is not in your departments.`);
    }
  }

  async function canSee(p: Principal, a: AssertionSummary): Promise<boolean> {
    if (p.role === 'platform_admin') return true;
    // User ids and departments are per org: another org's award (of our credential, under an
    // authorization) belongs to nobody here, whatever its ids spell.
    if (a.org !== p.org) return false;
    if (a.recipient_user_id === p.userId) return true;
    if (p.role === 'department_admin')
      return assertionRepo.isMemberOfDepartments(a.org, a.recipient_user_id, p.departments);
    return false;
  }

  /** An assertion of this org, or (for the owner's admins) one another org issued of the owner's credential. */
  async function find(p: Principal, org: string, id: string): Promise<AssertionSummary | undefined> {
    const own = await assertionRepo.getAssertionSummary(org, id);
    if (own || p.role === 'student') return own;
    const other = await assertionRepo.getAssertionSummaryById(id);
    return other && (await catalogRepo.getCredentialById(other.credential_id))?.org === org ? other : undefined;
  }

  async function getVisible(p: Principal, org: string, id: string): Promise<AssertionSummary> {
    const a = await find(p, org, id);
    // What the caller may not see is indistinguishable from what does not exist.
    if (!a || !(await canSee(p, a))) throw new NotFoundError(`Assertion "${id}" does not exist.`);
    return a;
  }

  return {
    getVisible,
    present,
    async presentOne(a: AssertionSummary, view: 'public' | 'private'): Promise<AssertionObject> {
      return (await present([a], view))[0];
    },

    /** The assertions of one credential: admins only. */
    async listForCredential(p: Principal, org: string, credentialId: string, page: { limit: number; offset: number }) {
      if (p.role === 'student') throw new ForbiddenError('Only admins list the assertions of a credential.');
      const credential = await catalogRepo.getCredentialById(credentialId);
      const owner = credential?.org === org;
      // An org authorized to issue another org's credential lists what it issued of it.
      if (!credential || (!owner && !(await authorizationRepo.everAuthorized(credential.org, org)))) {
        throw new NotFoundError(`Credential "${credentialId}" does not exist.`);
      }
      const filter: AssertionListFilter = {
        credentialId,
        allOrgs: owner,
        includeRevoked: true,
        includeExpired: true,
        ...(p.role === 'department_admin' && { departments: p.departments }),
      };
      return assertionRepo.listAssertions(org, filter, page);
    },

    /** A user's assertions: the caller's own, or (admins) another's within their reach. */
    async listForUser(
      p: Principal,
      org: string,
      userId: string,
      filter: { course?: string; includeRevoked: boolean; includeExpired: boolean; excludeMainTenant: boolean },
      page: { limit: number; offset: number },
    ) {
      await assertMayListUser(p, org, userId);
      return assertionRepo.listAssertions(
        org,
        {
          recipientUserId: userId,
          course: filter.course,
          includeRevoked: filter.includeRevoked,
          includeExpired: filter.includeExpired,
          ...(filter.excludeMainTenant && { excludeCredentialsOf: MAIN_ORG }),
        },
        page,
      );
    },

    /**
     * Revokes an assertion and flips its status bit, then re-signs the status list so verifiers
     * holding an offline copy learn of it. Revoking twice keeps the first reason; there is no
     * un-revoking (a revoked credential may have been relied on as revoked).
     */
    async revoke(
      p: Principal,
      org: string,
      id: string,
      change: { revoked: boolean; reason?: string },
    ): Promise<AssertionSummary> {
      if (!isPlatformAdmin(p)) throw new ForbiddenError('Only platform admins revoke assertions.');
      // Only the issuing org revokes (the owner of an authorized credential withdraws the authorization instead).
      const current = await assertionRepo.getAssertionSummary(org, id);
      if (!current) throw new NotFoundError(`Assertion "${id}" does not exist.`);
      if (!change.revoked) {
        if (current.revoked_at) throw new ConflictError('A revoked assertion cannot be un-revoked; issue a new one.');
        return current;
      }
      if (current.revoked_at) return current;
      const { listId, recorded } = await db.transaction().execute(async (trx) => {
        const revoked = await assertionRepository(trx).markRevoked(org, id, { reason: change.reason!, by: p.userId });
        if (revoked) await statusListRepository(trx).bumpStatusListVersion(revoked.status_list_id);
        const event =
          revoked && revokedEvent({ ...current, revoked_at: new Date(), revocation_reason: change.reason! });
        const recorded = event && deps.notifier ? await deps.notifier.record(trx, [event]) : EMPTY_RECORDED;
        return { listId: revoked?.status_list_id, recorded };
      });
      await deps.notifier?.publish(recorded);
      if (listId) assertionsRevoked.inc();
      if (listId) {
        try {
          await deps.statusLists.signedList(listId);
        } catch (err) {
          // The revocation stands; the list is re-signed on its next request.
          deps.logger.warn({ err, listId }, 'status list re-signing failed');
        }
      }
      return (await assertionRepo.getAssertionSummary(org, id))!;
    },
  };
}

export type AssertionService = ReturnType<typeof assertionService>;
