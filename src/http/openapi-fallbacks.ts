import { z, type ZodType } from 'zod';
import type { Method, ResponseDoc } from './route.js';
import { envelopeSchema, statusOnlySchema } from './envelope.js';
import { credlyPageSchema, pageSchema } from './pagination.js';

/**
 * Response bodies of the routes whose modules do not declare them yet (the issuer, admin,
 * assignment, analytics, authorization, image, verify and file routes). A route's own
 * `responses[code].schema` wins over these; move each one beside its object builder when that
 * module is next edited, and delete it here. Objects this module does not own are documented by
 * their key fields and left open (`looseObject`) rather than guessed in full.
 */
const str = z.string();
/** An org as the admin routes answer it: slug, stable UUID, name, time zone and profile. */
const orgObject = z.object({
  org: str,
  id: z.uuid(),
  name: str,
  timezone: str,
  url: str.nullable(),
  photo_url: str.nullable(),
});
const nullableStr = z.string().nullable();
const signatory = z.object({ name: str, title: str, signature: str });

export const issuerObjectSchema = z.looseObject({
  entityId: str,
  org: str,
  name: str,
  description: nullableStr,
  iconImage: nullableStr,
  email: nullableStr,
  url: nullableStr,
  allowed_template_tags: z.array(str),
  did_method: z.enum(['web', 'key']),
  proof_formats: z.array(z.enum(['data-integrity', 'vc-jwt'])),
  signatories: z.array(signatory),
});
const imageObject = z.object({ id: z.number().int(), name: str, image: str });
const orgRef = z.looseObject({ type: str, id: str, name: str, vanity_slug: str });
const authorization = z.looseObject({ id: str, issuer: orgRef, grantor: orgRef });
const jobStatus = z.looseObject({
  id: str,
  name: str,
  state: str,
  progress: z.unknown(),
  result: z.unknown(),
  failedReason: nullableStr,
});
const assignment = z.looseObject({ entityId: str, credential: str });
const userObject = z.looseObject({ user_id: str, role: str });
const overTime = z.looseObject({ data: z.record(str, z.number()) });
const verifyResult = z.object({
  verified: z.boolean(),
  checks: z.array(
    z.looseObject({
      check: str,
      ok: z.boolean(),
      detail: str,
      /** On signature checks: the proof checked (a credential may carry both). */
      proof: z.enum(['vc-jwt', 'data-integrity']).optional(),
    }),
  ),
  credential: z.unknown(),
});
const json = (schema: ZodType, contentType = 'application/json'): ResponseDoc => ({
  description: '',
  schema,
  contentType,
});
const binary = (contentType: string) => json(z.string().meta({ format: 'binary' }), contentType);
const signalAnswer = z.looseObject({ signal: str, triggered: z.array(z.looseObject({ credential: str })) });
/** The seed's bare `[ {issuer} ]`, or the envelope (which of the two is the issuer routes' own matter). */
const issuerAnswer = (d: 'Ok' | 'Updated') =>
  z.union([z.array(issuerObjectSchema), envelopeSchema(issuerObjectSchema, d)]);

const tenant = '/api/credentials/orgs/{org}/users/{user_id}';
const pub = '/api/credentials/public';

const RESPONSES: Record<string, ResponseDoc> = {
  // Issuers and signatories (src/http/routes/catalog-issuers.ts).
  [`get ${tenant}/issuers 200`]: json(envelopeSchema(pageSchema(issuerObjectSchema), 'Ok')),
  [`post ${tenant}/issuers 201`]: json(
    envelopeSchema(issuerObjectSchema, 'Created').extend({ warnings: z.array(str).optional() }),
  ),
  [`post ${tenant}/issuers/authority 201`]: json(z.object({ data: signatory })),
  [`get ${tenant}/issuers/{entity_id} 200`]: json(issuerAnswer('Ok')),
  [`put ${tenant}/issuers/{entity_id} 200`]: json(issuerAnswer('Updated')),
  [`delete ${tenant}/issuers/{entity_id} 200`]: json(statusOnlySchema),
  // Images (multipart upload: see REQUEST_BODIES).
  [`get ${tenant}/images 200`]: json(z.array(imageObject)),
  [`post ${tenant}/images 201`]: json(imageObject),
  // Assignments, jobs, signals, analytics.
  [`get ${tenant}/assignments/users 200`]: json(envelopeSchema(pageSchema(assignment), 'Ok')),
  [`post ${tenant}/assignments/users 201`]: json(envelopeSchema(z.unknown(), 'Created')),
  [`get ${tenant}/assignments/groups 200`]: json(envelopeSchema(pageSchema(assignment), 'Ok')),
  [`post ${tenant}/assignments/groups 201`]: json(envelopeSchema(z.unknown(), 'Created')),
  [`get ${tenant}/jobs/{job_id} 200`]: json(envelopeSchema(jobStatus, 'Ok')),
  [`post ${tenant}/signals 200`]: json(envelopeSchema(signalAnswer, 'Ok')),
  [`post ${tenant}/signals 202`]: json(envelopeSchema(signalAnswer, 'Ok')),
  [`get ${tenant}/assertions-over-time 200`]: json(z.union([overTime, envelopeSchema(overTime, 'Ok')])),
  [`get ${tenant}/credentials-over-time 200`]: json(z.union([overTime, envelopeSchema(overTime, 'Ok')])),
  [`get ${tenant}/course-assertions-over-time 200`]: json(z.union([overTime, envelopeSchema(overTime, 'Ok')])),
  [`post ${tenant}/{entity_id}/render 202`]: json(
    envelopeSchema(z.object({ count: z.number().int(), template_version: z.number().int() }), 'Ok'),
  ),
  // Issuer authorizations (Credly shape).
  ['get /api/organizations/{org}/issuers 200']: json(credlyPageSchema(authorization)),
  ['post /api/organizations/{org}/issuers 201']: json(z.object({ data: authorization })),
  ['get /api/organizations/{org}/grantors 200']: json(credlyPageSchema(authorization)),
  // The seed's own paths (issue 13 adds them beside the /api aliases).
  ['get /organizations/{org}/issuers 200']: json(credlyPageSchema(authorization)),
  ['post /organizations/{org}/issuers 201']: json(z.object({ data: authorization })),
  ['get /organizations/{org}/grantors 200']: json(credlyPageSchema(authorization)),
  // Directory administration.
  ['post /api/admin/orgs 201']: json(envelopeSchema(orgObject, 'Created')),
  ['get /api/admin/orgs/{org} 200']: json(envelopeSchema(orgObject, 'Ok')),
  ['put /api/admin/orgs/{org} 200']: json(envelopeSchema(orgObject, 'Updated')),
  ['get /api/admin/orgs/{org}/users 200']: json(envelopeSchema(pageSchema(userObject), 'Ok')),
  ['put /api/admin/orgs/{org}/users/{user_id} 200']: json(envelopeSchema(userObject, 'Updated')),
  ['post /api/admin/orgs/{org}/users 200']: json(envelopeSchema(z.object({ upserted: z.number().int() }), 'Updated')),
  ['put /api/admin/orgs/{org}/departments/{department_id} 200']: json(envelopeSchema(z.looseObject({}), 'Updated')),
  ['put /api/admin/orgs/{org}/groups/{group_id} 200']: json(envelopeSchema(z.looseObject({}), 'Updated')),
  ['post /api/admin/orgs/{org}/groups/{group_id}/members 200']: json(envelopeSchema(z.looseObject({}), 'Updated')),
  ['delete /api/admin/orgs/{org}/groups/{group_id}/members 200']: json(envelopeSchema(z.looseObject({}), 'Updated')),
  ['post /api/admin/orgs/{org}/users/{user_id}/tokens 201']: json(
    envelopeSchema(z.looseObject({ token: str }), 'Created'),
  ),
  ['delete /api/admin/tokens/{id} 200']: json(statusOnlySchema),
  // Public files, pages and verification.
  [`get ${pub}/assertions/{entity_id}/certificate.pdf 200`]: binary('application/pdf'),
  [`get ${pub}/assertions/{entity_id}/certificate.png 200`]: binary('image/png'),
  [`get ${pub}/assertions/{entity_id}/badge.png 200`]: binary('image/png'),
  [`get ${pub}/assertions/{entity_id}/badge.svg 200`]: json(str, 'image/svg+xml'),
  [`get ${pub}/default-badge.svg 200`]: json(str, 'image/svg+xml'),
  [`get ${pub}/images/images/{org}/{file} 200`]: binary('image/*'),
  [`post ${pub}/verify 200`]: json(verifyResult),
  ['get /v/{entity_id} 200']: json(str, 'text/html'),
};

/** The multipart upload and the verify bodies (their routes parse them themselves). */
const REQUEST_BODIES: Record<string, Record<string, ZodType>> = {
  [`post ${tenant}/images`]: {
    'multipart/form-data': z.object({
      image: z.string().meta({
        format: 'binary',
        description: 'The image file (PNG, JPEG, SVG, WebP or GIF; at most 5 MiB)',
      }),
      name: z.string().max(255).optional().meta({ description: 'A descriptive name' }),
    }),
  },
  [`post ${pub}/verify`]: {
    'application/json': z.object({
      credential: z.unknown().meta({ description: 'A VC-JWT (string) or an OB 3.0 credential (object)' }),
    }),
    'text/plain': z.string().meta({ description: 'A VC-JWT' }),
    'multipart/form-data': z.object({
      file: z.string().meta({ format: 'binary', description: 'A baked PNG/SVG badge or a certificate PDF' }),
    }),
  },
};

const norm = (path: string) => path.replace(/\/$/, '');

export function fallbackResponse(method: Method, path: string, code: number): ResponseDoc | undefined {
  return RESPONSES[`${method} ${norm(path)} ${code}`];
}

export function fallbackRequestBody(method: Method, path: string): Record<string, ZodType> | undefined {
  return REQUEST_BODIES[`${method} ${norm(path)}`];
}
