/**
 * The subset of the OB 3.0 / VCDM 2.0 data model that we emit. Multi-valued properties are
 * always arrays: the strict (json-ld) schema copy rejects single compacted values.
 */

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const OB3_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
/** Only this context defines the `1EdTech*` types (e.g. `1EdTechJsonSchemaValidator2019`). */
export const OB3_EXTENSIONS_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json';
export const OB3_CREDENTIAL_SCHEMA_URL =
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';

export interface Image {
  id: string;
  type: 'Image';
  caption?: string;
}

export interface Profile {
  id: string;
  type: string[];
  name?: string;
  url?: string;
  email?: string;
  phone?: string;
  description?: string;
  image?: Image;
}

export interface IdentityObject {
  type: 'IdentityObject';
  identityType: string;
  hashed: boolean;
  identityHash: string;
  salt?: string;
}

export interface Alignment {
  type: ['Alignment'];
  targetName: string;
  targetUrl: string;
  targetCode?: string;
  targetDescription?: string;
  targetFramework?: string;
  targetType?: string;
}

export type AchievementType =
  | 'Achievement'
  | 'ApprenticeshipCertificate'
  | 'Assessment'
  | 'Assignment'
  | 'AssociateDegree'
  | 'Award'
  | 'Badge'
  | 'BachelorDegree'
  | 'Certificate'
  | 'CertificateOfCompletion'
  | 'Certification'
  | 'CommunityService'
  | 'Competency'
  | 'Course'
  | 'CoCurricular'
  | 'Degree'
  | 'Diploma'
  | 'DoctoralDegree'
  | 'Fieldwork'
  | 'GeneralEducationDevelopment'
  | 'JourneymanCertificate'
  | 'LearningProgram'
  | 'License'
  | 'Membership'
  | 'ProfessionalDoctorate'
  | 'QualityAssuranceCredential'
  | 'MasterCertificate'
  | 'MasterDegree'
  | 'MicroCredential'
  | 'ResearchDoctorate'
  | 'SecondarySchoolDiploma'
  | `ext:${string}`;

export interface Achievement {
  id: string;
  type: ['Achievement'];
  achievementType?: AchievementType;
  name: string;
  description: string;
  criteria: { id?: string; narrative?: string };
  image?: Image;
  creator?: Profile;
  tag?: string[];
  alignment?: Alignment[];
}

export interface Evidence {
  type: ['Evidence'];
  id?: string;
  name?: string;
  description?: string;
  narrative?: string;
  genre?: string;
  audience?: string;
}

export interface AchievementSubject {
  type: ['AchievementSubject'];
  id?: string;
  identifier?: IdentityObject[];
  achievement: Achievement;
  narrative?: string;
}

export type StatusPurpose = 'revocation' | 'suspension';

export interface BitstringStatusListEntry {
  id: string;
  type: 'BitstringStatusListEntry';
  statusPurpose: StatusPurpose;
  statusListIndex: string;
  statusListCredential: string;
}

export interface CredentialSchema {
  id: string;
  type: '1EdTechJsonSchemaValidator2019';
}

export interface OpenBadgeCredential {
  '@context': string[];
  id: string;
  type: ['VerifiableCredential', 'OpenBadgeCredential'];
  name: string;
  issuer: Profile;
  validFrom: string;
  validUntil?: string;
  awardedDate?: string;
  image?: Image;
  credentialSubject: AchievementSubject;
  evidence?: Evidence[];
  credentialSchema: CredentialSchema[];
  credentialStatus: BitstringStatusListEntry;
}
