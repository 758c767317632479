import type { ColumnType, Generated } from 'kysely';
import type { NotificationTables } from './notification-schema.js';
import type { WalletTables } from './wallet-schema.js';

/**
 * The database as Kysely sees it. Each capability adds its tables here and creates them in its own
 * migration under ./migrations.
 */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export type Role = 'platform_admin' | 'department_admin' | 'student';

export interface OrgsTable {
  /** The slug (`vanity_slug`): what paths and every other table name the org by. */
  org: string;
  /** Stable UUID (migration 011), as Credly names organizations. */
  id: Generated<string>;
  name: string;
  timezone: Generated<string>;
  /** Org profile: website and picture (migration 011). */
  url: ColumnType<string | null, string | null | undefined, string | null>;
  photo_url: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export interface UsersTable {
  org: string;
  user_id: string;
  name: string | null;
  email: string | null;
  role: Role;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface DepartmentsTable {
  org: string;
  department_id: string;
  name: string;
}

export interface UserDepartmentsTable {
  org: string;
  user_id: string;
  department_id: string;
}

export interface GroupsTable {
  org: string;
  group_id: string;
  name: string;
  department_id: string | null;
}

export interface GroupMembersTable {
  org: string;
  group_id: string;
  user_id: string;
}

export interface ApiTokensTable {
  id: string;
  org: string;
  user_id: string;
  /** sha256 of the token; the token itself is shown once and never stored. */
  token_hash: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface Database extends CatalogTables, IssuanceTables, NotificationTables, WalletTables {
  assignments: AssignmentsTable;
  issuer_authorizations: IssuerAuthorizationsTable;
  assertion_daily_counts: AssertionDailyCountsTable;
  orgs: OrgsTable;
  users: UsersTable;
  departments: DepartmentsTable;
  user_departments: UserDepartmentsTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  api_tokens: ApiTokensTable;
}

export interface IssuersTable {
  /** entity_id */
  id: string;
  org: string;
  name: string;
  description: string | null;
  icon_image: string | null;
  email: string | null;
  url: string | null;
  /** null: every merge tag allowed. */
  allowed_template_tags: ColumnType<string[] | null, string | null | undefined, string | null>;
  signing_alg: ColumnType<'ES256' | 'RS256', 'ES256' | 'RS256' | undefined, 'ES256' | 'RS256'>;
  /** The issuer's DID method (migration 013): did:web under the public base URL, or did:key. */
  did_method: ColumnType<'web' | 'key', 'web' | 'key' | undefined, 'web' | 'key'>;
  /** Proofs each credential carries (migration 013). */
  proof_formats: ColumnType<ProofFormat[], string | undefined, string>;
  /** Set instead of deleting an issuer that has issued: its assertions must still verify. */
  retired_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type ProofFormat = 'data-integrity' | 'vc-jwt';

/** An issuer's Ed25519 key for Data Integrity proofs (migration 013), created on first use. */
export interface IssuerDidKeysTable {
  issuer_id: string;
  public_multibase: string;
  /** AES-256-GCM sealed `{ secretKeyMultibase }` (src/signing/key-encryption.ts). */
  secret_enc: string;
  created_at: CreatedAt;
}

export interface IssuerKeysTable {
  /** Key entity id; its public URL (the JWT `kid`) is built from the public base URL. */
  id: string;
  issuer_id: string;
  alg: 'ES256' | 'RS256';
  public_jwk: ColumnType<Record<string, unknown>, string, string>;
  /** AES-256-GCM sealed private JWK (src/signing/key-encryption.ts). */
  private_jwk_enc: string;
  created_at: CreatedAt;
  /** Retired keys sign nothing new but stay published. */
  retired_at: Date | null;
}

export interface CredentialsTable {
  /** entity_id */
  id: string;
  org: string;
  issuer_id: string;
  name: string;
  description: string;
  credential_type: string | null;
  html_template: string | null;
  css_template: string | null;
  icon_image: string | null;
  background_image: string | null;
  thumbnail_image: string | null;
  criteria_url: string | null;
  criteria_text: string | null;
  issuing_signal: string | null;
  course: string | null;
  program: string | null;
  is_public: ColumnType<boolean, boolean | undefined, boolean>;
  /** Assertions expire this many days after issue; null = never. */
  validity_days: number | null;
  tags: ColumnType<string[], string | undefined, string>;
  alignment: ColumnType<Record<string, unknown>[], string | undefined, string>;
  skills: ColumnType<Record<string, unknown>[], string | undefined, string>;
  /** Bumped when html/css templates change; rendered files are keyed by it. */
  template_version: ColumnType<number, number | undefined, number>;
  deleted_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SignatoriesTable {
  id: Generated<number>;
  org: string;
  issuer_id: string | null;
  credential_id: string | null;
  name: string;
  title: string;
  /** URL of the signature image. */
  signature: string;
  created_at: CreatedAt;
}

export interface ImagesTable {
  id: Generated<number>;
  org: string;
  name: string;
  /** Key in the file store. */
  file_key: string;
  content_type: string;
  size: number;
  sha256: string;
  created_at: CreatedAt;
}

export interface CatalogTables {
  issuers: IssuersTable;
  issuer_keys: IssuerKeysTable;
  issuer_did_keys: IssuerDidKeysTable;
  credentials: CredentialsTable;
  signatories: SignatoriesTable;
  images: ImagesTable;
}

/** A jsonb column: read as T, written as a JSON.stringify string. */
export type JsonbColumn<T> = ColumnType<T, string | undefined, string>;

/** A status entry reserved by an issuing job (`holder`: its job id) until an assertion holds it. */
export interface StatusReservationsTable {
  status_list_id: string;
  status_list_index: number;
  holder: string;
  /** When reserved, or last taken back by a retry of its holder (stale after an hour). */
  reserved_at: UpdatedAt;
}

export interface StatusListsTable {
  id: string;
  org: string;
  issuer_id: string;
  purpose: ColumnType<'revocation', 'revocation' | undefined, never>;
  /** Entries in the bitstring (at least 131,072). */
  size: number;
  /** Entries handed out before a new list is opened; below `size`, so random picks stay cheap. */
  capacity: number;
  /** Entries taken: held by an assertion, or reserved by an issuing job in flight (status_reservations). */
  allocated: ColumnType<number, number | undefined, number>;
  /** Bumped whenever a bit flips; the signed form is cached for one version. */
  version: ColumnType<number, number | undefined, number>;
  signed_jwt: string | null;
  signed_version: number | null;
  /**
   * The issuer id its credentials name, a DID or the profile URL (migration 017; 019 filled older
   * lists from their credentials; null: an older list no credential points at).
   */
  issuer_ref: ColumnType<string | null, string | null | undefined, string | null>;
  /** The Data Integrity form (JSON), cached for `signed_di_version` (migration 013). */
  signed_di: ColumnType<string | null, string | null | undefined, string | null>;
  signed_di_version: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface EvidenceItem {
  url?: string;
  narrative?: string;
  name?: string;
  description?: string;
}

export type FieldValue = string | number | boolean | null;

export interface AssertionsTable {
  /** entity_id */
  id: string;
  org: string;
  credential_id: string;
  issuer_id: string;
  recipient_user_id: string;
  recipient_email: string | null;
  recipient_name: string | null;
  /** Salt of the hashed recipient identity (OB 3.0 identifier, OB 2.0 recipient). */
  salt: string;
  issued_on: Date;
  expires_at: Date | null;
  narrative: string | null;
  evidence: JsonbColumn<EvidenceItem[]>;
  course: string | null;
  /** Custom template fields of this award. */
  fields: JsonbColumn<Record<string, FieldValue>>;
  created_by: string;
  job_id: string | null;
  status_list_id: string;
  status_list_index: number;
  signing_key_id: string;
  /** The OB 3.0 credential exactly as signed; served as credential.json. */
  credential_json: JsonbColumn<Record<string, unknown>>;
  /**
   * The VC-JWT, signed once at issue and served as stored (never re-signed); null when the issuer
   * signs with Data Integrity only (migration 017).
   */
  credential_jwt: string | null;
  revoked_at: Date | null;
  revocation_reason: string | null;
  revoked_by: string | null;
  /** Set when a later award of the credential to the recipient replaced this expired one. */
  superseded_at: Generated<Date | null>;
  /** The recipient's answer to the award (migration 012); nothing sets it yet. */
  acceptance: Generated<'Unaccepted' | 'Accepted' | 'Rejected'>;
  created_at: CreatedAt;
}

export interface IdempotencyKeysTable {
  org: string;
  key: string;
  /** Hash of the request the key was first used with; another request under the key is refused. */
  request_hash: string;
  job_id: string;
  assertion_id: string | null;
  created_at: CreatedAt;
}

/** A bulk-issued assertion's render (migration 016): pending until the render worker settles it. */
export interface BulkRendersTable {
  assertion_id: string;
  bulk_id: string;
  outcome: Generated<BulkRenderOutcome>;
  updated_at: Generated<Date>;
}

export type BulkRenderOutcome = 'pending' | 'rendered' | 'failed' | 'skipped';

export interface IssuanceTables {
  bulk_renders: BulkRendersTable;
  status_lists: StatusListsTable;
  status_reservations: StatusReservationsTable;
  assertions: AssertionsTable;
  idempotency_keys: IdempotencyKeysTable;
}

export interface AssignmentsTable {
  /** entity_id */
  id: string;
  org: string;
  credential_id: string;
  /** Exactly one of user_id and group_id is set. */
  user_id: string | null;
  group_id: string | null;
  /** YYYY-MM-DD */
  due_date: ColumnType<string | null, string | null | undefined, string | null>;
  created_by: string;
  created_at: CreatedAt;
}

export interface IssuerAuthorizationsTable {
  id: string;
  /** The org whose credentials may be issued. */
  grantor_org: string;
  /** The org authorized to issue them. */
  issuer_org: string;
  authorization_type: ColumnType<string, string | undefined, string>;
  display_issuer_as: 'grantor' | 'issuer';
  restrict_by_badge_templates: ColumnType<boolean, boolean | undefined, boolean>;
  /** Credential entity ids of the grantor, when restricted. */
  allowed_badge_templates: ColumnType<string[], string | undefined, string>;
  created_by: string;
  created_at: CreatedAt;
  deleted_at: Date | null;
}

/** Kept by a trigger on assertions (migration 007): issued per org, course ('' = none) and local day. */
export interface AssertionDailyCountsTable {
  org: string;
  course: string;
  day: ColumnType<string, string, string>;
  n: number;
}
