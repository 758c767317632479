import { z } from 'zod';
import type { AssertionSummary } from '../db/assertion-repository.js';
import type { CredentialRow } from '../db/catalog-repository.js';
import type { EvidenceItem } from '../db/schema.js';
import { hashEmail, hashIdentity } from '../openbadges/recipient-hash.js';
import type { PublicUrls } from '../public-urls.js';

/**
 * The API's assertion object: the credentials API's AssertionSerializer (`entityId, issuedOn,
 * credentialDetails, recipient, metadata, course, program, narrative, revoked, revocationReason,
 * acceptance, expires`), with Badgr's v2 fields (which this API descends from) and links to the
 * signed credential and the rendered files beside them. Pure. The zod schema is the documented
 * shape (OpenAPI, contract tests); the builder below must satisfy it.
 */
const nullableString = z.string().nullable();
export const credentialDetailsSchema = z.object({
  entityId: z.string(),
  name: z.string(),
  description: nullableString,
  credential_type: nullableString,
  /** Absolute URL of the badge image (the credential's icon, else the service's default badge). */
  image: z.string(),
  icon_image: nullableString,
  thumbnail_image: nullableString,
  criteria_url: nullableString,
  criteria_text: nullableString,
  issuer: z.string(),
  tags: z.array(z.string()),
});
export type CredentialDetails = z.infer<typeof credentialDetailsSchema>;

export const ACCEPTANCE = ['Unaccepted', 'Accepted', 'Rejected'] as const;
const fieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const assertionObjectSchema = z.object({
  entityId: z.string(),
  entityType: z.literal('Assertion'),
  /** The hosted OB 2.0 assertion URL (Badgr's `openBadgeId` is the hosted assertion's id). */
  openBadgeId: z.string(),
  createdAt: z.string(),
  /** Private view only. */
  createdBy: z.string().optional(),
  badgeclass: z.string(),
  badgeclassOpenBadgeId: z.string(),
  issuer: z.string(),
  issuerOpenBadgeId: z.string(),
  image: z.string(),
  credentialDetails: credentialDetailsSchema,
  recipient: z.object({
    identity: z.string(),
    type: z.enum(['email', 'id']),
    hashed: z.literal(true),
    salt: z.string(),
    /** Authenticated views only: a public verification link must not publish the address. */
    plaintextIdentity: z.string().optional(),
  }),
  /** The award's custom fields (authenticated views; `{}` publicly). */
  metadata: z.record(z.string(), fieldValue),
  /** The award's course, else its credential's; `id: null` when neither has one. */
  course: z.object({ id: nullableString }),
  /** The credential's program; `id: null` when it has none. */
  program: z.object({ id: nullableString }),
  issuedOn: z.string(),
  narrative: nullableString,
  evidence: z.array(
    z.object({
      url: nullableString,
      narrative: nullableString,
      name: z.string().optional(),
      description: z.string().optional(),
    }),
  ),
  revoked: z.boolean(),
  revocationReason: nullableString,
  acceptance: z.enum(ACCEPTANCE),
  expires: nullableString,
  extensions: z.record(z.string(), z.unknown()),
  /** Authenticated views only. */
  user_id: z.string().optional(),
  name: nullableString.optional(),
  fields: z.record(z.string(), fieldValue).optional(),
  credential_jwt: z.string(),
  credential_json: z.string(),
  /** null while the issuer has no email: OB 2.0 requires one, so no OB 2.0 documents are served. */
  ob2: nullableString,
  verification_url: z.string(),
  certificate_pdf: z.string(),
  certificate_png: z.string(),
  badge_png: z.string(),
});
export type AssertionObject = z.infer<typeof assertionObjectSchema>;

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

/** What an assertion object shows of its credential; `credential` is undefined only for a vanished row. */
export interface AssertionContext {
  credential?: Pick<
    CredentialRow,
    | 'id'
    | 'name'
    | 'description'
    | 'credential_type'
    | 'icon_image'
    | 'thumbnail_image'
    | 'criteria_url'
    | 'criteria_text'
    | 'issuer_id'
    | 'tags'
    | 'course'
    | 'program'
  >;
  /** False when the issuer has no email: no OB 2.0 hosted documents (OB 2.0 requires it). */
  ob2Available?: boolean;
}

const absolute = (base: string, url: string | null | undefined) => (url ? new URL(url, base).toString() : null);

export function credentialDetailsOf(
  a: Pick<AssertionSummary, 'credential_id' | 'issuer_id'>,
  ctx: AssertionContext,
  urls: PublicUrls,
): CredentialDetails {
  const c = ctx.credential;
  return {
    entityId: a.credential_id,
    name: c?.name ?? '',
    description: c?.description ? c.description : null,
    credential_type: c?.credential_type ?? null,
    image: absolute(urls.base, c?.icon_image) ?? urls.defaultBadge,
    icon_image: c?.icon_image ?? null,
    thumbnail_image: c?.thumbnail_image ?? null,
    criteria_url: c?.criteria_url ?? null,
    criteria_text: c?.criteria_text ?? null,
    issuer: c?.issuer_id ?? a.issuer_id,
    tags: c?.tags ?? [],
  };
}

export function toAssertionObject(
  a: AssertionSummary,
  urls: PublicUrls,
  view: 'public' | 'private',
  ctx: AssertionContext = {},
): AssertionObject {
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
    credentialDetails: credentialDetailsOf(a, ctx, urls),
    recipient: { ...identity, hashed: true, salt: a.salt },
    // Custom fields may carry grades and the like: the org's and the recipient's, not the public's.
    metadata: view === 'private' ? (a.fields ?? {}) : {},
    course: { id: a.course ?? ctx.credential?.course ?? null },
    program: { id: ctx.credential?.program ?? null },
    issuedOn: iso(a.issued_on),
    narrative: a.narrative,
    evidence: evidenceOf(a.evidence),
    revoked: a.revoked_at !== null,
    revocationReason: a.revocation_reason,
    acceptance: a.acceptance ?? 'Unaccepted',
    expires: a.expires_at ? iso(a.expires_at) : null,
    extensions: {},
    credential_jwt: urls.assertionFile(a.id, 'credential.jwt'),
    credential_json: urls.credentialJson(a.id),
    ob2: ctx.ob2Available === false ? null : urls.ob2Assertion(a.id),
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
    obj.fields = a.fields ?? {};
  }
  return obj;
}
