import { ValidationError } from '../errors.js';
import { toDateTimeZ } from './datetime.js';
import { hashEmail } from './recipient-hash.js';

/** OB 2.0 hosted objects (OPEN-BADGES.md §4). Each `id` must be the URL the object is served at. */

export const OB2_CONTEXT = 'https://w3id.org/openbadges/v2';

export interface Ob2IdentityObject {
  type: 'email';
  hashed: true;
  salt: string;
  identity: string;
}

export interface Ob2AlignmentInput {
  targetName: string;
  targetUrl: string;
  targetDescription?: string;
  targetFramework?: string;
  targetCode?: string;
}

export interface Ob2Issuer {
  '@context': typeof OB2_CONTEXT;
  type: 'Issuer';
  id: string;
  name: string;
  url: string;
  email: string;
  description?: string;
  image?: string;
  telephone?: string;
}

export interface Ob2BadgeClass {
  '@context': typeof OB2_CONTEXT;
  type: 'BadgeClass';
  id: string;
  name: string;
  description: string;
  image: string;
  criteria: string | { id?: string; narrative?: string };
  issuer: string;
  tags?: string[];
  alignment?: Ob2AlignmentInput[];
}

export interface Ob2Evidence {
  id?: string;
  narrative?: string;
  name?: string;
  description?: string;
  genre?: string;
  audience?: string;
}

export interface Ob2Assertion {
  '@context': typeof OB2_CONTEXT;
  type: 'Assertion';
  id: string;
  recipient: Ob2IdentityObject;
  badge: string;
  verification: { type: 'HostedBadge' };
  issuedOn: string;
  expires?: string;
  image?: string;
  evidence?: Ob2Evidence[];
  narrative?: string;
}

/** The validator requires `name`, `url` and `email` on an issuer and an http(s) `id`. */
export function buildOb2Issuer(input: {
  id: string;
  name: string;
  url: string;
  email: string;
  description?: string;
  image?: string;
  telephone?: string;
}): Ob2Issuer {
  if (!/^https?:\/\//.test(input.id)) throw new ValidationError('An OB 2.0 issuer id must be an http(s) URL.');
  return {
    '@context': OB2_CONTEXT,
    type: 'Issuer',
    id: input.id,
    name: input.name,
    url: input.url,
    email: input.email,
    ...(input.description && { description: input.description }),
    ...(input.image && { image: input.image }),
    ...(input.telephone && { telephone: input.telephone }),
  };
}

export function buildOb2BadgeClass(input: {
  id: string;
  issuerUrl: string;
  name: string;
  description: string;
  /** PNG/SVG URL; the OB 2.0 validator requires a BadgeClass image. */
  image: string;
  criteriaUrl?: string;
  criteriaNarrative?: string;
  tags?: string[];
  alignment?: Ob2AlignmentInput[];
}): Ob2BadgeClass {
  if (!input.criteriaUrl && !input.criteriaNarrative) {
    throw new ValidationError('A badge class needs criteria: a URL, a narrative or both.');
  }
  const criteria =
    input.criteriaNarrative === undefined
      ? input.criteriaUrl!
      : { ...(input.criteriaUrl && { id: input.criteriaUrl }), narrative: input.criteriaNarrative };
  return {
    '@context': OB2_CONTEXT,
    type: 'BadgeClass',
    id: input.id,
    name: input.name,
    description: input.description,
    image: input.image,
    criteria,
    issuer: input.issuerUrl,
    ...(input.tags?.length && { tags: [...input.tags] }),
    ...(input.alignment?.length && { alignment: input.alignment.map((a) => ({ ...a })) }),
  };
}

export function buildOb2Assertion(input: {
  id: string;
  badgeClassUrl: string;
  recipient: { email: string; salt: string };
  issuedAt: Date;
  expiresAt?: Date;
  image?: string;
  evidence?: Ob2Evidence[];
  narrative?: string;
}): Ob2Assertion {
  return {
    '@context': OB2_CONTEXT,
    type: 'Assertion',
    id: input.id,
    // Lower-cased before hashing: the validator hashes the candidate email as given.
    recipient: {
      type: 'email',
      hashed: true,
      salt: input.recipient.salt,
      identity: hashEmail(input.recipient.email, input.recipient.salt),
    },
    badge: input.badgeClassUrl,
    // `HostedBadge` is the canonical term; `hosted` is only an alias in the v2 context.
    verification: { type: 'HostedBadge' },
    issuedOn: toDateTimeZ(input.issuedAt),
    ...(input.expiresAt && { expires: toDateTimeZ(input.expiresAt) }),
    ...(input.image && { image: input.image }),
    ...(input.evidence?.length && { evidence: input.evidence.map((e) => ({ ...e })) }),
    ...(input.narrative && { narrative: input.narrative }),
  };
}

/** Body for the 410 Gone response served at a revoked hosted assertion's URL. */
export function buildOb2RevokedAssertion(id: string, reason?: string) {
  return {
    '@context': OB2_CONTEXT,
    type: 'Assertion' as const,
    id,
    revoked: true as const,
    ...(reason && { revocationReason: reason }),
  };
}
