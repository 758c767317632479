import type { CredentialRow, IssuerRow } from '../db/catalog-repository.js';
import type { EvidenceItem } from '../db/schema.js';
import {
  buildOpenBadgeCredential,
  OB3_CONTEXT,
  VC_V2_CONTEXT,
  type Achievement,
  type AchievementInput,
  type AchievementType,
  type AlignmentInput,
  type OpenBadgeCredential,
  type ProfileInput,
  type SkillInput,
} from '../openbadges/index.js';
import type { PublicUrls } from '../public-urls.js';

/**
 * Pure assembly of the OB 3.0 documents of an award from catalog rows: the signed credential,
 * and the stand-alone Achievement served at its id. Every URL comes from PublicUrls.
 */

/** Stored image references may be relative to the service (`/api/credentials/public/images/…`). */
export function absoluteUrl(base: string, value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  if (value.startsWith('/')) return base + value;
  return value;
}

export function issuerProfileInput(urls: PublicUrls, issuer: IssuerRow): ProfileInput {
  return {
    id: urls.issuerProfile(issuer.id),
    name: issuer.name,
    ...(issuer.url && { url: issuer.url }),
    ...(issuer.email && { email: issuer.email }),
    ...(issuer.description && { description: issuer.description }),
    ...(issuer.icon_image && { image: absoluteUrl(urls.base, issuer.icon_image) }),
  };
}

const ACHIEVEMENT_TYPES: readonly AchievementType[] = [
  'Achievement',
  'ApprenticeshipCertificate',
  'Assessment',
  'Assignment',
  'AssociateDegree',
  'Award',
  'Badge',
  'BachelorDegree',
  'Certificate',
  'CertificateOfCompletion',
  'Certification',
  'CommunityService',
  'Competency',
  'Course',
  'CoCurricular',
  'Degree',
  'Diploma',
  'DoctoralDegree',
  'Fieldwork',
  'GeneralEducationDevelopment',
  'JourneymanCertificate',
  'LearningProgram',
  'License',
  'Membership',
  'ProfessionalDoctorate',
  'QualityAssuranceCredential',
  'MasterCertificate',
  'MasterDegree',
  'MicroCredential',
  'ResearchDoctorate',
  'SecondarySchoolDiploma',
];

/** The vocabulary's extension form (`ext:` + name), as both schema copies allow it. */
const EXTENSION_TYPE = /^ext:[A-Za-z0-9._-]+$/;

/** The catalog's free-text credential_type, when it names an OB achievement type or an extension. */
export function achievementTypeOf(credentialType: string | null): AchievementType | undefined {
  if (!credentialType) return undefined;
  if (EXTENSION_TYPE.test(credentialType)) return credentialType as AchievementType;
  const wanted = credentialType.replace(/[\s_-]/g, '').toLowerCase();
  return ACHIEVEMENT_TYPES.find((t) => t.toLowerCase() === wanted);
}

/** OB 3.0 AlignmentTargetType: the enumeration, or an `ext:` extension term. */
export const ALIGNMENT_TARGET_TYPES = [
  'ceasn:Competency',
  'ceterms:Credential',
  'CFItem',
  'CFRubric',
  'CFRubricCriterion',
  'CFRubricCriterionLevel',
  'CTDL',
];
export const isAlignmentTargetType = (v: string) =>
  ALIGNMENT_TARGET_TYPES.includes(v) || /^ext:[A-Za-z0-9._-]+$/.test(v);

const str = (r: Record<string, unknown>, ...keys: string[]): string | undefined => {
  for (const k of keys) if (typeof r[k] === 'string' && r[k]) return r[k] as string;
  return undefined;
};

function alignmentsOf(records: Record<string, unknown>[]): AlignmentInput[] {
  const out: AlignmentInput[] = [];
  for (const r of records) {
    const targetName = str(r, 'targetName', 'target_name', 'name');
    const targetUrl = str(r, 'targetUrl', 'target_url', 'url');
    if (!targetName || !targetUrl) continue;
    const a: AlignmentInput = { targetName, targetUrl };
    const code = str(r, 'targetCode', 'target_code', 'code');
    const description = str(r, 'targetDescription', 'target_description', 'description');
    const framework = str(r, 'targetFramework', 'target_framework', 'framework');
    // Checked against the OB 3.0 enumeration when the credential was saved (catalog-schemas.ts).
    const type = str(r, 'targetType', 'target_type');
    if (type && isAlignmentTargetType(type)) a.targetType = type;
    if (code) a.targetCode = code;
    if (description) a.targetDescription = description;
    if (framework) a.targetFramework = framework;
    out.push(a);
  }
  return out;
}

function skillsOf(records: Record<string, unknown>[]): SkillInput[] {
  const out: SkillInput[] = [];
  for (const r of records) {
    const name = str(r, 'name', 'targetName');
    const url = str(r, 'url', 'targetUrl');
    if (!name || !url) continue;
    const s: SkillInput = { name, url };
    const code = str(r, 'code');
    const description = str(r, 'description');
    const framework = str(r, 'framework');
    if (code) s.code = code;
    if (description) s.description = description;
    if (framework) s.framework = framework;
    out.push(s);
  }
  return out;
}

export function achievementInput(urls: PublicUrls, credential: CredentialRow): AchievementInput {
  const criteriaNarrative = credential.criteria_text || undefined;
  const criteriaUrl = credential.criteria_url || undefined;
  const type = achievementTypeOf(credential.credential_type);
  return {
    id: urls.achievement(credential.id),
    name: credential.name,
    // The schemas require a description; an empty one is still a string.
    description: credential.description ?? '',
    ...(criteriaUrl && { criteriaUrl }),
    // Achievement.criteria needs a URL or a narrative; the description is the best stand-in.
    ...(criteriaNarrative || !criteriaUrl
      ? { criteriaNarrative: criteriaNarrative ?? (credential.description || credential.name) }
      : {}),
    ...(credential.icon_image || credential.thumbnail_image
      ? { image: absoluteUrl(urls.base, credential.icon_image ?? credential.thumbnail_image) }
      : {}),
    ...(type && { achievementType: type }),
    tags: credential.tags ?? [],
    alignment: alignmentsOf(credential.alignment ?? []),
    skills: skillsOf(credential.skills ?? []),
  };
}

export interface AwardDraft {
  assertionId: string;
  issuedOn: Date;
  expiresAt: Date | null;
  recipient: { userId: string; email?: string | null };
  salt: string;
  evidence: EvidenceItem[];
  narrative?: string | null;
  status: { listUrl: string; index: number };
  /** The achievement's owner when another org issues it under an authorization. */
  grantorIssuer?: IssuerRow;
}

/** The unsigned OB 3.0 credential of one award; its `id` is the credential.json URL (JWT `jti`). */
export function buildAwardCredential(
  urls: PublicUrls,
  issuer: IssuerRow,
  credential: CredentialRow,
  draft: AwardDraft,
): OpenBadgeCredential {
  return buildOpenBadgeCredential({
    id: urls.credentialJson(draft.assertionId),
    issuer: issuerProfileInput(urls, issuer),
    achievement: achievementInput(urls, credential),
    recipient: {
      userId: draft.recipient.userId,
      salt: draft.salt,
      ...(draft.recipient.email && { email: draft.recipient.email }),
    },
    issuedAt: draft.issuedOn,
    ...(draft.expiresAt && { expiresAt: draft.expiresAt }),
    image: urls.assertionFile(draft.assertionId, 'badge.png'),
    evidence: draft.evidence.map((e) => ({
      ...(e.url && { id: e.url }),
      ...(e.name && { name: e.name }),
      ...(e.description && { description: e.description }),
      ...(e.narrative && { narrative: e.narrative }),
    })),
    ...(draft.narrative && { narrative: draft.narrative }),
    status: draft.status,
    ...(draft.grantorIssuer && { grantor: issuerProfileInput(urls, draft.grantorIssuer) }),
  });
}

export type AchievementDocument = { '@context': string[] } & Achievement;

/**
 * The Achievement served at its id. Built through the credential builder with a placeholder
 * award, so it is byte-for-byte the object embedded in every credential of this achievement.
 */
export function buildAchievementDocument(
  urls: PublicUrls,
  issuer: IssuerRow,
  credential: CredentialRow,
): AchievementDocument {
  const vc = buildAwardCredential(urls, issuer, credential, {
    assertionId: 'achievement',
    issuedOn: new Date(0),
    expiresAt: null,
    recipient: { userId: 'achievement' },
    salt: '',
    evidence: [],
    status: { listUrl: urls.statusList('none'), index: 0 },
  });
  return { '@context': [VC_V2_CONTEXT, OB3_CONTEXT], ...vc.credentialSubject.achievement };
}

/** `expires` of the request wins; otherwise the credential's validity in days; otherwise never. */
export function expiryOf(issuedOn: Date, expires: string | undefined, validityDays: number | null): Date | null {
  // Whole seconds, like validFrom: validUntil must round-trip through the JWT `exp`.
  if (expires) return new Date(Math.floor(Date.parse(expires) / 1000) * 1000);
  if (validityDays && validityDays > 0) return new Date(issuedOn.getTime() + validityDays * 86_400_000);
  return null;
}
