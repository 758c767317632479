import type { JWK } from 'jose';
import type { Db } from '../db/database.js';
import type { AssertionRow, AssertionRepository } from '../db/assertion-repository.js';
import type { CatalogRepository } from '../db/catalog-repository.js';
import { NotFoundError } from '../errors.js';
import type { IssuerKeyService } from '../issuers/issuer-keys.js';
import { buildIssuerProfile, type IssuerProfileDocument } from '../openbadges/index.js';
import type { PublicUrls } from '../public-urls.js';
import { buildJwks } from '../signing/jwks.js';
import { buildAchievementDocument, issuerProfileInput, type AchievementDocument } from './credential-document.js';
import { ob2AssertionDocument, ob2BadgeClassDocument, ob2IssuerDocument } from './ob2-documents.js';
import type { StatusListService } from './status-lists.js';
import { usesDataIntegrity } from './award-proofs.js';
import type { AssertionObject } from './assertion-format.js';
import { presentAssertions } from './assertion-service.js';

/**
 * The documents a verifier fetches without credentials: the assertion and its signed credential,
 * the OB 2.0 hosted objects, issuer profiles, achievements, keys and status lists. Assertions are
 * addressed by their unguessable entity id; everything served is already part of a credential.
 */
export function publicDocuments(deps: {
  db: Db;
  assertionRepo: AssertionRepository;
  catalogRepo: CatalogRepository;
  urls: PublicUrls;
  issuerKeys: IssuerKeyService;
  statusLists: StatusListService;
}) {
  const { db, urls, assertionRepo, catalogRepo } = deps;

  async function anyAssertion(id: string): Promise<AssertionRow> {
    const a = await assertionRepo.getAssertionById(id);
    if (!a) throw new NotFoundError(`Assertion "${id}" does not exist.`);
    return a;
  }

  /** A live assertion; a revoked one is a 404 that says why (the seed's `{detail, revocationReason}`). */
  async function liveAssertion(id: string): Promise<AssertionRow> {
    const a = await anyAssertion(id);
    if (a.revoked_at) {
      throw new NotFoundError('This assertion has been revoked.', {
        detail: 'This assertion has been revoked.',
        revocationReason: a.revocation_reason,
      });
    }
    return a;
  }

  async function issuerOf(issuerId: string) {
    const issuer = await catalogRepo.getIssuerById(issuerId);
    if (!issuer) throw new NotFoundError(`Issuer "${issuerId}" does not exist.`);
    return issuer;
  }

  /**
   * OB 2.0 requires the issuer's email: an issuer without one gets no OB 2.0 documents (404 that
   * says so) until it has one. Its OB 3.0 documents are unaffected.
   */
  async function requireOb2Issuer(issuerId: string) {
    const issuer = await issuerOf(issuerId);
    if (!issuer.email) {
      throw new NotFoundError(
        `No OB 2.0 documents for issuer "${issuerId}": OB 2.0 requires an issuer email, and it has none.`,
      );
    }
    return issuer;
  }

  async function credentialOf(credentialId: string) {
    const credential = await catalogRepo.getCredentialById(credentialId);
    if (!credential) throw new NotFoundError(`Credential "${credentialId}" does not exist.`);
    return credential;
  }

  return {
    liveAssertion,

    /** The public assertion object of a live assertion (the JSON of its hosted URL). */
    async publicAssertion(id: string): Promise<AssertionObject> {
      return (await presentAssertions(db, urls, [await liveAssertion(id)], 'public'))[0];
    },

    /** OB 2.0 hosted assertion: 200 with the Assertion, or 410 with the revoked stub (OPEN-BADGES.md §4.2). */
    async ob2Assertion(id: string): Promise<{ status: 200 | 410; body: object }> {
      const a = await anyAssertion(id);
      await requireOb2Issuer(a.issuer_id);
      return ob2AssertionDocument(urls, id, a);
    },

    async issuerProfile(issuerId: string): Promise<IssuerProfileDocument> {
      const issuer = await issuerOf(issuerId);
      const input = issuerProfileInput(urls, issuer);
      // Credentials of a Data Integrity issuer name it by its DID (issue 14): its Profile says the same.
      const identity = await deps.issuerKeys.dids.identity(issuer.id);
      return buildIssuerProfile(usesDataIntegrity(identity) ? { ...input, id: identity.did } : input);
    },

    /** OB 2.0 Issuer. Its validator wants `url` and `email`: the service's address stands in for a missing url. */
    async ob2Issuer(issuerId: string): Promise<object> {
      const issuer = await requireOb2Issuer(issuerId);
      return ob2IssuerDocument(urls, issuer);
    },

    async achievement(credentialId: string): Promise<AchievementDocument> {
      const credential = await credentialOf(credentialId);
      return buildAchievementDocument(urls, await issuerOf(credential.issuer_id), credential);
    },

    async ob2BadgeClass(credentialId: string): Promise<object> {
      const credential = await credentialOf(credentialId);
      const issuer = await requireOb2Issuer(credential.issuer_id);
      return ob2BadgeClassDocument(urls, issuer, credential);
    },

    /** The single public JWK a JWT `kid` dereferences to. */
    async key(keyId: string): Promise<JWK> {
      const key = await deps.issuerKeys.getPublicKey(keyId);
      if (!key) throw new NotFoundError(`Key "${keyId}" does not exist.`);
      return key.jwk;
    },

    /** Every issuer key, retired ones included: credentials they signed must keep verifying. */
    async jwks(): Promise<{ keys: JWK[] }> {
      return buildJwks((await deps.issuerKeys.listPublicKeys()).map((k) => k.jwk));
    },

    async statusList(listId: string): Promise<string> {
      const jwt = await deps.statusLists.signedList(listId);
      if (!jwt) throw new NotFoundError(`Status list "${listId}" does not exist.`);
      return jwt;
    },
  };
}

export type PublicDocuments = ReturnType<typeof publicDocuments>;
