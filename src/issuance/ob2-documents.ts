import type { AssertionRow } from '../db/assertion-repository.js';
import type { CredentialRow, IssuerRow } from '../db/catalog-repository.js';
import {
  buildOb2Assertion,
  buildOb2BadgeClass,
  buildOb2Issuer,
  buildOb2RevokedAssertion,
  hashIdentity,
} from '../openbadges/index.js';
import type { PublicUrls } from '../public-urls.js';
import { absoluteUrl, achievementInput } from './credential-document.js';

/**
 * The OB 2.0 hosted objects of our rows. The callers make sure the issuer has an email: OB 2.0
 * requires one.
 */

/** OB 2.0 hosted assertion: 200 with the Assertion, or 410 with the revoked stub (OPEN-BADGES.md §4.2). */
export function ob2AssertionDocument(
  urls: PublicUrls,
  id: string,
  a: AssertionRow,
): { status: 200 | 410; body: object } {
  const docId = urls.ob2Assertion(id);
  if (a.revoked_at) return { status: 410, body: buildOb2RevokedAssertion(docId, a.revocation_reason ?? undefined) };
  const doc = buildOb2Assertion({
    id: docId,
    badgeClassUrl: urls.ob2BadgeClass(a.credential_id),
    recipient: { email: a.recipient_email ?? '', salt: a.salt },
    issuedAt: a.issued_on,
    ...(a.expires_at && { expiresAt: a.expires_at }),
    image: urls.assertionFile(id, 'badge.png'),
    evidence: (a.evidence ?? []).map((e) => ({
      ...(e.url && { id: e.url }),
      ...(e.narrative && { narrative: e.narrative }),
      ...(e.name && { name: e.name }),
      ...(e.description && { description: e.description }),
    })),
    ...(a.narrative && { narrative: a.narrative }),
  });
  if (!a.recipient_email) {
    // No email on file: the recipient is identified by their (hashed) user id instead.
    (doc as { recipient: object }).recipient = {
      type: 'id',
      hashed: true,
      salt: a.salt,
      identity: hashIdentity(a.recipient_user_id, a.salt),
    };
  }
  return { status: 200, body: doc };
}

/** OB 2.0 Issuer. Its validator wants `url` and `email`: the service's address stands in for a missing url. */
export function ob2IssuerDocument(urls: PublicUrls, issuer: IssuerRow): object {
  const doc = buildOb2Issuer({
    id: urls.ob2Issuer(issuer.id),
    name: issuer.name,
    url: issuer.url ?? urls.base,
    email: issuer.email!,
    ...(issuer.description && { description: issuer.description }),
    ...(issuer.icon_image && { image: absoluteUrl(urls.base, issuer.icon_image) }),
  });
  return doc;
}

export function ob2BadgeClassDocument(urls: PublicUrls, issuer: IssuerRow, credential: CredentialRow): object {
  const input = achievementInput(urls, credential);
  const doc = buildOb2BadgeClass({
    id: urls.ob2BadgeClass(credential.id),
    issuerUrl: urls.ob2Issuer(issuer.id),
    name: input.name,
    description: input.description,
    // OB 2.0 requires a BadgeClass image: the credential's, else the issuer's, else ours.
    image: input.image ?? absoluteUrl(urls.base, issuer.icon_image) ?? urls.defaultBadge,
    ...(input.criteriaUrl && { criteriaUrl: input.criteriaUrl }),
    ...(input.criteriaNarrative && { criteriaNarrative: input.criteriaNarrative }),
    tags: input.tags,
    alignment: input.alignment,
  });
  return doc;
}
