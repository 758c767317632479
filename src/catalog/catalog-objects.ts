import { z } from 'zod';
import type { CredentialRow, IssuerRow, Signatory } from '../db/catalog-repository.js';
import type { ProofFormat } from '../db/schema.js';

/**
 * The API's issuer and credential objects. Names follow the seed: the issuer object is camelCase
 * where the seed is (`entityId`, `iconImage`), credential fields are the snake_case request names.
 */
export interface IssuerObject {
  entityId: string;
  org: string;
  name: string;
  description: string | null;
  iconImage: string | null;
  email: string | null;
  url: string | null;
  /** empty: every merge tag is allowed */
  allowed_template_tags: string[];
  signing_alg: 'ES256' | 'RS256';
  /** Issue 14: `web` (did:web under the public base URL) or `key` (did:key of the issuer's Ed25519 key). */
  did_method: 'web' | 'key';
  /** Proofs its new credentials carry: `data-integrity` (embedded, for wallets) and/or `vc-jwt`. */
  proof_formats: ProofFormat[];
  signatories: Signatory[];
  created_at: string;
  updated_at: string;
}

export function toIssuerObject(row: IssuerRow, signatories: Signatory[]): IssuerObject {
  return {
    entityId: row.id,
    org: row.org,
    name: row.name,
    description: row.description,
    iconImage: row.icon_image,
    email: row.email,
    url: row.url,
    allowed_template_tags: row.allowed_template_tags ?? [],
    signing_alg: row.signing_alg,
    did_method: row.did_method,
    proof_formats: row.proof_formats,
    signatories,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export interface CredentialObject {
  entityId: string;
  org: string;
  /** issuer entity id */
  issuer: string;
  name: string;
  /** null when none was given (stored as ""). */
  description: string | null;
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
  is_public: boolean;
  validity_days: number | null;
  tags: string[];
  alignment: Record<string, unknown>[];
  skills: Record<string, unknown>[];
  template_version: number;
  /** the credential's own signatories, then its issuer's */
  signatories: Signatory[];
  created_at: string;
  updated_at: string;
}

export function toCredentialObject(row: CredentialRow, signatories: Signatory[]): CredentialObject {
  return {
    entityId: row.id,
    org: row.org,
    issuer: row.issuer_id,
    name: row.name,
    description: row.description === '' ? null : row.description,
    credential_type: row.credential_type,
    html_template: row.html_template,
    css_template: row.css_template,
    icon_image: row.icon_image,
    background_image: row.background_image,
    thumbnail_image: row.thumbnail_image,
    criteria_url: row.criteria_url,
    criteria_text: row.criteria_text,
    issuing_signal: row.issuing_signal,
    course: row.course,
    program: row.program,
    is_public: row.is_public,
    validity_days: row.validity_days,
    tags: row.tags ?? [],
    alignment: row.alignment ?? [],
    skills: row.skills ?? [],
    template_version: row.template_version,
    signatories,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

const signatorySchema = z.object({ name: z.string(), title: z.string(), signature: z.string() });
const nullableString = z.string().nullable();

/** The documented credential object (OpenAPI, contract tests); toCredentialObject satisfies it. */
export const credentialObjectSchema = z.object({
  entityId: z.string(),
  org: z.string(),
  issuer: z.string(),
  name: z.string(),
  description: nullableString,
  credential_type: nullableString,
  html_template: nullableString,
  css_template: nullableString,
  icon_image: nullableString,
  background_image: nullableString,
  thumbnail_image: nullableString,
  criteria_url: nullableString,
  criteria_text: nullableString,
  issuing_signal: nullableString,
  course: nullableString,
  program: nullableString,
  is_public: z.boolean(),
  validity_days: z.number().int().nullable(),
  tags: z.array(z.string()),
  alignment: z.array(z.record(z.string(), z.unknown())),
  skills: z.array(z.record(z.string(), z.unknown())),
  template_version: z.number().int(),
  signatories: z.array(signatorySchema),
  created_at: z.string(),
  updated_at: z.string(),
}) satisfies z.ZodType<CredentialObject>;

function iso(d: Date | string): string {
  return (d instanceof Date ? d : new Date(d)).toISOString();
}
