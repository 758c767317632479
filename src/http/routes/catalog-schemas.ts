import { z } from 'zod';
import { DID_METHODS, PROOF_FORMATS } from '../../issuers/did-document.js';
import { MAX_TEMPLATE_BYTES } from '../../template/template-check.js';
import { ALIGNMENT_TARGET_TYPES, isAlignmentTargetType } from '../../issuance/credential-document.js';

/**
 * Request schemas of the catalog routes. Optional text and URL fields accept `""` as "none"
 * (clients built on form libraries send empty strings), stored as null.
 */
const emptyToNull = (v: unknown) => (v === '' ? null : v);

export const httpUrl = z
  .string()
  .max(2048)
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an absolute http(s) URL');

/** Optional in requests; `null` or `""` clears it on update. */
const nullable = <T extends z.ZodType>(schema: T) => z.preprocess(emptyToNull, schema.nullable()).optional();

/** A list of at most 50; null clears it, as null clears the other optional fields. */
const clearableList = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .max(50)
    .nullable()
    .optional()
    .transform((v) => (v === null ? [] : v));

export const optionalUrl = nullable(httpUrl);
export const optionalText = (max: number) => nullable(z.string().max(max));

/** A query-string filter; empty means no filter. */
export const queryText = (max = 200) =>
  z
    .string()
    .max(max)
    .optional()
    .transform((v) => (v === '' ? undefined : v));

export const pathId = z.string().min(1).max(255);

export const issuerFields = {
  name: z.string().trim().min(1).max(255),
  description: optionalText(5000),
  iconImage: optionalUrl,
  email: nullable(z.email().max(320)),
  url: optionalUrl,
  allowed_template_tags: nullable(z.array(z.string().min(1).max(100)).max(200)),
  /** Issue 14: a change applies to future awards; earlier ones keep the DID they were signed under. */
  did_method: z.enum(DID_METHODS, { error: 'must be "web" or "key"' }).optional(),
  proof_formats: z
    .array(z.enum(PROOF_FORMATS, { error: `must be one of ${PROOF_FORMATS.map((f) => `"${f}"`).join(', ')}` }))
    .min(1, 'must name at least one proof format')
    .refine((v) => new Set(v).size === v.length, 'must not name a proof format twice')
    .optional(),
};

export const issuerCreateBody = z.object({
  ...issuerFields,
  signing_alg: z.enum(['ES256', 'RS256']).optional(),
});

export const issuerUpdateBody = z.object({ ...issuerFields, name: issuerFields.name.optional() });

/** The body's issuer names (`iconImage`) to the table's (`icon_image`). */
export function issuerValues(b: z.infer<typeof issuerUpdateBody>) {
  const { iconImage, ...rest } = b;
  return { ...rest, ...(iconImage !== undefined && { icon_image: iconImage }) };
}

const alignment = z.object({
  targetName: z.string().min(1).max(500),
  targetUrl: httpUrl,
  targetCode: z.string().max(255).optional(),
  targetDescription: z.string().max(5000).optional(),
  targetFramework: z.string().max(500).optional(),
  targetType: z
    .string()
    .max(100)
    .refine(
      isAlignmentTargetType,
      `must be one of ${ALIGNMENT_TARGET_TYPES.join(', ')}, or an extension term "ext:Name"`,
    )
    .optional(),
});

const skill = z.object({
  name: z.string().min(1).max(500),
  url: httpUrl,
  code: z.string().max(255).optional(),
  description: z.string().max(5000).optional(),
  framework: z.string().max(500).optional(),
});

// Twice the template limit, so that the template check (not the schema) reports "over 256 KiB".
const template = optionalText(MAX_TEMPLATE_BYTES * 2);

export const credentialFields = {
  name: z.string().trim().min(1).max(255),
  description: z.preprocess((v) => (v === null ? '' : v), z.string().max(10_000)).optional(),
  issuer: pathId,
  credential_type: optionalText(100),
  html_template: template,
  css_template: template,
  icon_image: optionalUrl,
  background_image: optionalUrl,
  thumbnail_image: optionalUrl,
  criteria_url: optionalUrl,
  criteria_text: optionalText(10_000),
  issuing_signal: optionalText(255),
  course: optionalText(255),
  program: optionalText(255),
  is_public: z.boolean().optional(),
  /** Assertions expire this many days after issue; null: never. */
  validity_days: nullable(z.number().int().min(1).max(36_500)),
  tags: clearableList(z.string().trim().min(1).max(100)),
  alignment: clearableList(alignment),
  skills: clearableList(skill),
};

export const credentialCreateBody = z.object(credentialFields);
export const credentialUpdateBody = z.object({
  ...credentialFields,
  name: credentialFields.name.optional(),
  issuer: pathId.optional(),
});

export const authorityBody = z.object({
  name: z.string().trim().min(1).max(255),
  title: z.string().trim().min(1).max(255),
  signature: httpUrl,
  org: z.string().min(1).max(255).optional(),
  entityId: pathId.optional(),
  credential: pathId.optional(),
});
