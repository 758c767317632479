import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';
import { toDateTimeZ } from './datetime.js';
import { buildProfile, toImage, type ProfileInput } from './ob3-profile.js';
import {
  OB3_CONTEXT,
  OB3_CREDENTIAL_SCHEMA_URL,
  OB3_EXTENSIONS_CONTEXT,
  VC_V2_CONTEXT,
  type Achievement,
  type AchievementSubject,
  type AchievementType,
  type Alignment,
  type Evidence,
  type OpenBadgeCredential,
  type StatusPurpose,
} from './ob3-types.js';
import { hashEmail } from './recipient-hash.js';
import { buildStatusListEntry } from './status-list.js';

export interface AlignmentInput {
  targetName: string;
  targetUrl: string;
  targetCode?: string;
  targetDescription?: string;
  targetFramework?: string;
  targetType?: string;
}

export interface SkillInput {
  name: string;
  url: string;
  code?: string;
  description?: string;
  framework?: string;
}

export interface AchievementInput {
  /** Public URL (or urn:uuid) of the achievement / badge class. */
  id: string;
  name: string;
  description: string;
  criteriaUrl?: string;
  criteriaNarrative?: string;
  image?: string;
  achievementType?: AchievementType;
  tags?: string[];
  alignment?: AlignmentInput[];
  skills?: SkillInput[];
}

export interface RecipientInput {
  /** Explicit subject URI (DID, recipient URL); wins over the derived one. */
  id?: string;
  userId?: string;
  email?: string;
  /** Required with `email` or a non-UUID `userId`; use a fresh random salt per credential. */
  salt?: string;
}

export interface EvidenceInput {
  id?: string;
  name?: string;
  description?: string;
  narrative?: string;
  genre?: string;
  audience?: string;
}

export interface CredentialInput {
  /** Public URL of the credential; becomes the JWT `jti`. */
  id: string;
  issuer: ProfileInput;
  achievement: AchievementInput;
  recipient: RecipientInput;
  issuedAt: Date;
  expiresAt?: Date;
  /** Original award date when a credential is re-issued (validFrom then moves). */
  awardedAt?: Date;
  /** Image of this award (usually the baked badge), shown by wallets. */
  image?: string;
  evidence?: EvidenceInput[];
  /** Markdown connecting the evidence to the achievement (AchievementSubject.narrative). */
  narrative?: string;
  status: { listUrl: string; index: number; purpose?: StatusPurpose };
  /**
   * Organisation that owns the achievement when another organisation issues it under a
   * cross-org authorization. Emitted as `achievement.creator` ("the person or organization that
   * created the achievement definition"): it is a Profile in both schema copies and needs no
   * signature from the grantor, unlike an `endorsement`, which must be a signed
   * EndorsementCredential. The issuer stays the signing organisation, as `iss` requires.
   */
  grantor?: ProfileInput;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opaque, deterministic RFC 9562 version-8 UUID; reveals nothing about `name`. */
function nameBasedUuid(name: string): string {
  const b = createHash('sha256').update(name, 'utf8').digest().subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * VC-JWT needs a subject `id` for `sub`, but a `mailto:` id would publish the address the
 * hashed `identifier` protects. So: explicit id, else the user's own UUID, else an opaque urn
 * derived from the user id *with the credential's salt* (user ids are often emails: an unsalted
 * hash would let anyone confirm a guessed address and link one person's credentials), else one
 * derived from the salted email hash.
 */
function subjectId(recipient: RecipientInput, emailHash: string | undefined): string {
  if (recipient.id) return recipient.id;
  if (recipient.userId) {
    if (UUID.test(recipient.userId)) return `urn:uuid:${recipient.userId.toLowerCase()}`;
    if (recipient.salt === undefined)
      throw new ValidationError('A salt is required to derive the subject id of a user.');
    return `urn:uuid:${nameBasedUuid(`user:${recipient.salt}:${recipient.userId}`)}`;
  }
  if (emailHash) return `urn:uuid:${nameBasedUuid(emailHash)}`;
  throw new ValidationError('A recipient needs an id, a userId or an email.');
}

function buildAlignments(input: AchievementInput): Alignment[] {
  const explicit = (input.alignment ?? []).map((a): Alignment => ({ type: ['Alignment'], ...a }));
  // OB 3.0 has no skills property; competencies are expressed as alignments.
  const skills = (input.skills ?? []).map((s): Alignment => {
    const a: Alignment = { type: ['Alignment'], targetName: s.name, targetUrl: s.url, targetType: 'ceasn:Competency' };
    if (s.code) a.targetCode = s.code;
    if (s.description) a.targetDescription = s.description;
    if (s.framework) a.targetFramework = s.framework;
    return a;
  });
  return [...explicit, ...skills];
}

function buildAchievement(input: AchievementInput, grantor?: ProfileInput): Achievement {
  if (!input.criteriaUrl && !input.criteriaNarrative) {
    throw new ValidationError('An achievement needs criteria: a URL, a narrative or both.');
  }
  const criteria: Achievement['criteria'] = {};
  if (input.criteriaUrl) criteria.id = input.criteriaUrl;
  if (input.criteriaNarrative) criteria.narrative = input.criteriaNarrative;
  const achievement: Achievement = {
    id: input.id,
    type: ['Achievement'],
    ...(input.achievementType && { achievementType: input.achievementType }),
    name: input.name,
    description: input.description,
    criteria,
  };
  if (input.image) achievement.image = toImage(input.image);
  if (grantor) achievement.creator = buildProfile(grantor);
  if (input.tags?.length) achievement.tag = [...input.tags];
  const alignment = buildAlignments(input);
  if (alignment.length) achievement.alignment = alignment;
  return achievement;
}

function buildSubject(input: CredentialInput): AchievementSubject {
  const { recipient } = input;
  if (recipient.email !== undefined && !recipient.salt) {
    throw new ValidationError('A salt is required to hash the recipient email.');
  }
  const emailHash = recipient.email ? hashEmail(recipient.email, recipient.salt!) : undefined;
  const subject: AchievementSubject = {
    type: ['AchievementSubject'],
    id: subjectId(recipient, emailHash),
    ...(emailHash && {
      identifier: [
        {
          type: 'IdentityObject',
          identityType: 'emailAddress',
          hashed: true,
          identityHash: emailHash,
          salt: recipient.salt,
        },
      ],
    }),
    achievement: buildAchievement(input.achievement, input.grantor),
  };
  if (input.narrative) subject.narrative = input.narrative;
  return subject;
}

function buildEvidence(e: EvidenceInput): Evidence {
  const evidence: Evidence = { type: ['Evidence'] };
  for (const key of ['id', 'name', 'description', 'narrative', 'genre', 'audience'] as const) {
    if (e[key]) evidence[key] = e[key];
  }
  return evidence;
}

/** Unsigned OB 3.0 OpenBadgeCredential on VCDM 2.0 (OPEN-BADGES.md §1). */
export function buildOpenBadgeCredential(input: CredentialInput): OpenBadgeCredential {
  const validFrom = toDateTimeZ(input.issuedAt);
  const credential = {
    // Order matters: the schemas pin index 0 and 1; extensions.json defines 1EdTechJsonSchemaValidator2019.
    '@context': [VC_V2_CONTEXT, OB3_CONTEXT, OB3_EXTENSIONS_CONTEXT],
    id: input.id,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: input.achievement.name,
    issuer: buildProfile(input.issuer),
    validFrom,
  } as OpenBadgeCredential;
  if (input.expiresAt) {
    const validUntil = toDateTimeZ(input.expiresAt);
    if (Date.parse(validUntil) <= Date.parse(validFrom)) {
      throw new ValidationError('The expiry date must be after the issue date.');
    }
    credential.validUntil = validUntil;
  }
  if (input.awardedAt) credential.awardedDate = toDateTimeZ(input.awardedAt);
  if (input.image) credential.image = toImage(input.image);
  credential.credentialSubject = buildSubject(input);
  if (input.evidence?.length) credential.evidence = input.evidence.map(buildEvidence);
  credential.credentialSchema = [{ id: OB3_CREDENTIAL_SCHEMA_URL, type: '1EdTechJsonSchemaValidator2019' }];
  credential.credentialStatus = buildStatusListEntry(input.status);
  return credential;
}
