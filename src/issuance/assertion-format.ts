import type { AssertionSummary } from '../db/assertion-repository.js';
import type { EvidenceItem, FieldValue } from '../db/schema.js';
import { hashEmail, hashIdentity } from '../openbadges/recipient-hash.js';
import type { PublicUrls } from '../public-urls.js';

/**
 * The API's assertion object: Badgr's v2 AssertionSerializer (which this API descends from),
 * plus links to the signed credential and the rendered files. Pure.
 */
export interface AssertionObject {
  entityId: string;
  entityType: 'Assertion';
  /** The hosted OB 2.0 assertion URL (Badgr's `openBadgeId` is the hosted assertion's id). */
  openBadgeId: string;
  createdAt: string;
  /** Private view only. */
  createdBy?: string;
  badgeclass: string;
  badgeclassOpenBadgeId: string;
  issuer: string;
  issuerOpenBadgeId: string;
  image: string;
  recipient: {
    identity: string;
    type: 'email' | 'id';
    hashed: true;
    salt: string;
    /** Authenticated views only: a public verification link must not publish the address. */
    plaintextIdentity?: string;
  };
  issuedOn: string;
  narrative: string | null;
  evidence: { url: string | null; narrative: string | null; name?: string; description?: string }[];
  revoked: boolean;
  revocationReason: string | null;
  expires: string | null;
  extensions: Record<string, unknown>;
  /** Authenticated views only. */
  user_id?: string;
  name?: string | null;
  course?: string | null;
  fields?: Record<string, FieldValue>;
  credential_jwt: string;
  credential_json: string;
  ob2: string;
  verification_url: string;
  certificate_pdf: string;
  certificate_png: string;
  badge_png: string;
}

/**
 * The name a certificate and its title may print: the recipient's name, else a user id that is not
 * an email address. Certificates are public files: a recipient known only by email stays unnamed.
 */
export function publicRecipientName(a: Pick<AssertionSummary, 'recipient_name' | 'recipient_user_id'>): string | undefined {
  const name = a.recipient_name?.trim();
  if (name) return name;
  return a.recipient_user_id.includes('@') ? undefined : a.recipient_user_id;
}

/** The hashed recipient: the email when known, else the user id (OB 2.0 identity type `id`). */
export function recipientIdentity(a: Pick<AssertionSummary, 'recipient_email' | 'recipient_user_id' | 'salt'>) {
  return a.recipient_email
    ? { type: 'email' as const, identity: hashEmail(a.recipient_email, a.salt) }
    : { type: 'id' as const, identity: hashIdentity(a.recipient_user_id, a.salt) };
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

function evidenceOf(items: EvidenceItem[]): AssertionObject['evidence'] {
  return (items ?? []).map((e) => ({
    url: e.url ?? null,
    narrative: e.narrative ?? null,
    ...(e.name && { name: e.name }),
    ...(e.description && { description: e.description }),
  }));
}

export function toAssertionObject(a: AssertionSummary, urls: PublicUrls, view: 'public' | 'private'): AssertionObject {
  const identity = recipientIdentity(a);
  const obj: AssertionObject = {
    entityId: a.id,
    entityType: 'Assertion',
    openBadgeId: urls.ob2Assertion(a.id),
    createdAt: iso(a.created_at),
    badgeclass: a.credential_id,
    badgeclassOpenBadgeId: urls.ob2BadgeClass(a.credential_id),
    issuer: a.issuer_id,
    issuerOpenBadgeId: urls.ob2Issuer(a.issuer_id),
    image: urls.assertionFile(a.id, 'badge.png'),
    recipient: { ...identity, hashed: true, salt: a.salt },
    issuedOn: iso(a.issued_on),
    narrative: a.narrative,
    evidence: evidenceOf(a.evidence),
    revoked: a.revoked_at !== null,
    revocationReason: a.revocation_reason,
    expires: a.expires_at ? iso(a.expires_at) : null,
    extensions: {},
    credential_jwt: urls.assertionFile(a.id, 'credential.jwt'),
    credential_json: urls.credentialJson(a.id),
    ob2: urls.ob2Assertion(a.id),
    verification_url: urls.verificationPage(a.id),
    certificate_pdf: urls.assertionFile(a.id, 'certificate.pdf'),
    certificate_png: urls.assertionFile(a.id, 'certificate.png'),
    badge_png: urls.assertionFile(a.id, 'badge.png'),
  };
  if (view === 'private') {
    if (a.recipient_email) obj.recipient.plaintextIdentity = a.recipient_email;
    obj.user_id = a.recipient_user_id;
    // Which admin issued it is the org's business, not the public's.
    obj.createdBy = a.created_by;
    obj.name = a.recipient_name;
    obj.course = a.course;
    obj.fields = a.fields ?? {};
  }
  return obj;
}
