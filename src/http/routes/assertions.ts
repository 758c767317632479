import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { envelopeSchema, sendEnvelope } from '../envelope.js';
import { pageNumberPage, pageQuery, pageRequest, pageSchema } from '../pagination.js';
import type { Runtime } from '../../runtime.js';
import { ValidationError } from '../../errors.js';
import { assertionObjectSchema } from '../../issuance/assertion-format.js';
import { normalizeRecipient } from '../../issuance/issue-requests.js';
import { MAX_BULK_USERS } from '../../issuance/bulk-plan.js';
import { csvBulkBody, CSV_TYPES } from '../csv-bulk-body.js';

/**
 * Issuing, listing and revoking assertions (the credentials API's `*_assertions_*` routes).
 * Issuing goes through the queue; see issue-requests.ts for the 201/200/202 rules.
 */
const base = '/api/credentials/orgs/{org}/users/{user_id}';
const tenantParams = z.object({ org: z.string(), user_id: z.string() });
const entityParams = tenantParams.extend({ entity_id: z.string().min(1).max(100) });

// A four-digit year: credentials carry it as an OB 3.0 DateTimeZ, which has no room for the
// extended years (+100000-01-01) Date.parse accepts, and PostgreSQL stores no year past 294276.
const dateTime = z
  .string()
  .max(64)
  .regex(/^\d{4}-\d{2}-\d{2}(T|$)/, 'must be an ISO 8601 date-time (YYYY-MM-DDThh:mm:ssZ)')
  .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date-time')
  .transform((v) => new Date(v).toISOString())
  .refine((iso) => /^\d{4}-/.test(iso), 'must be before the year 10000');
const evidenceItem = z.union([
  z
    .url()
    .max(2000)
    .transform((url) => ({ url })),
  z.object({
    url: z.url().max(2000).optional(),
    narrative: z.string().max(10_000).optional(),
    name: z.string().max(255).optional(),
    description: z.string().max(2000).optional(),
  }),
]);
const awardFields = {
  evidence: z.union([evidenceItem.transform((e) => [e]), z.array(evidenceItem).max(50)]).optional(),
  narrative: z.string().max(10_000).optional(),
  course: z.string().min(1).max(255).optional(),
  expires: dateTime.optional(),
  /** Issue 16: email the recipient (absent: the org's default, PUT …/mail-settings). */
  notify: z.boolean().optional(),
  fields: z
    .record(z.string().min(1).max(100), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
    .optional(),
};
const userId = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[^\s/?#]+$/, 'no spaces, "/", "?" or "#"');
const recipientName = z.string().trim().min(1).max(255);
/**
 * One recipient, in any of the shapes clients send (see normalizeRecipient): today's
 * `recipient: {user_id, email, name}`, Badgr's `recipient: {identity, type}`, or top-level
 * `username` / `user_id` / `email`.
 */
const singleBody = z
  .object({
    recipient: z
      .object({
        user_id: userId.optional(),
        username: userId.optional(),
        email: z.email().max(320).optional(),
        name: recipientName.optional(),
        identity: z.string().trim().min(1).max(320).optional(),
        type: z.string().max(20).optional(),
        hashed: z.boolean().optional(),
        plaintextIdentity: z.string().max(320).optional(),
      })
      .optional(),
    username: userId.optional(),
    user_id: userId.optional(),
    email: z.email().max(320).optional(),
    name: recipientName.optional(),
    ...awardFields,
    /** Issue 15: answer with the recipient's claim link ("Add to wallet"). */
    claim_links: z.boolean().optional(),
  })
  .transform((b, ctx) => {
    const { recipient: _r, username: _u, user_id: _i, email: _e, name: _n, ...award } = b;
    const r = normalizeRecipient(b);
    if ('error' in r) {
      ctx.addIssue({ code: 'custom', message: r.error, path: r.field.split('.') });
      return z.NEVER;
    }
    return { ...award, recipient: r.recipient };
  });
// Entries are checked one by one in the bulk planner, so a bad entry fails alone.
const bulkBody = z.object({
  users: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).min(1, 'users must not be empty'),
  ...awardFields,
  /** Issue 15: answer with one claim link per recipient ("Add to wallet"). */
  claim_links: z.boolean().optional(),
});
const revokeBody = z.object({
  revoked: z.boolean(),
  revocationReason: z.string().trim().min(1).max(1000).optional(),
});
/** The bare bulk answer (seed: `{"skipped": [...], "issued": [...]}`, plus `failed`). */
export const bulkResultSchema = z.object({
  skipped: z.array(z.string()),
  issued: z.array(z.string()),
  failed: z.array(z.object({ user: z.string(), reason: z.string() })),
});
const queuedJob = { job_id: z.string(), status_url: z.string() };
/** A bulk still running: its job, and empty lists so that a client of the bare answer reads it. */
export const bulkQueuedSchema = bulkResultSchema.extend(queuedJob);
const assertionPage = pageSchema(assertionObjectSchema);
const assertionEnvelope = (d: 'Ok' | 'Created' | 'Updated') => envelopeSchema(assertionObjectSchema, d);

const flag = z
  .enum(['true', 'false', 'True', 'False', '1', '0'])
  .transform((v) => v === 'true' || v === 'True' || v === '1')
  .optional();
/** Bulk bodies of 50,000 recipient objects with a few custom fields each. */
const BULK_BODY_LIMIT = '25mb';

function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new ValidationError('Idempotency-Key must be 1 to 255 visible ASCII characters.');
  }
  return key;
}

/** A user's assertions: listed, read one by one, revoked. */
export function assertionRoutes(rt: Runtime): RouteDef[] {
  const { assertions } = rt.services;

  return [
    defineRoute({
      method: 'get',
      path: `${base}/assertions/`,
      summary:
        "A user's assertions, as a bare page (course, include_revoked, include_expired, " +
        'exclude_main_tenant_assertions): ' +
        "students their own; platform admins anyone's in the org; department admins their departments' members'",
      tag: 'assertions',
      auth: 'tenant',
      // {user_id} is the user whose assertions are read: the service checks who may read whom.
      pathUser: 'any',
      params: tenantParams,
      query: pageQuery.extend({
        course: z.string().min(1).max(255).optional(),
        include_revoked: flag,
        include_expired: flag,
        exclude_main_tenant_assertions: flag,
      }),
      responses: {
        200: { description: 'A bare page of assertions', schema: assertionPage },
        403: 'Another user (students), or a user outside your departments (department admins)',
        404: 'Unknown org, user or page',
      },
      async handler({ params, query, principal, url, res }) {
        const page = pageRequest(query);
        const { count, rows } = await assertions.listForUser(
          principal,
          params.org,
          params.user_id,
          {
            course: query.course,
            includeRevoked: query.include_revoked ?? false,
            includeExpired: query.include_expired ?? false,
            excludeMainTenant: query.exclude_main_tenant_assertions ?? false,
          },
          { limit: page.pageSize, offset: page.offset },
        );
        res.json(pageNumberPage(url, page, count, await assertions.present(rows, 'private')));
      },
    }),
    defineRoute({
      method: 'get',
      path: `${base}/assertions/{entity_id}`,
      summary: 'One assertion (admins: any of the org within their reach; others: their own)',
      tag: 'assertions',
      auth: 'tenant',
      params: entityParams,
      responses: { 200: { description: 'Ok', schema: assertionEnvelope('Ok') }, 404: 'Unknown assertion' },
      async handler({ params, principal, res }) {
        const a = await assertions.getVisible(principal, params.org, params.entity_id);
        sendEnvelope(res, await assertions.presentOne(a, 'private'));
      },
    }),
    defineRoute({
      method: 'put',
      path: `${base}/assertions/{entity_id}`,
      summary: 'Revoke an assertion: {revoked: true, revocationReason} (revocation is final)',
      tag: 'assertions',
      auth: 'tenant',
      params: entityParams,
      body: revokeBody,
      responses: {
        200: { description: 'Updated', schema: assertionEnvelope('Updated') },
        400: 'revocationReason missing',
        403: 'Not a platform admin',
        404: 'Unknown assertion',
        409: 'Un-revoking',
      },
      async handler({ params, body, principal, res }) {
        if (body.revoked && !body.revocationReason) {
          throw new ValidationError('Invalid body: revocationReason: required when revoking', {
            fieldErrors: { revocationReason: ['required when revoking'] },
          });
        }
        const a = await assertions.revoke(principal, params.org, params.entity_id, {
          revoked: body.revoked,
          reason: body.revocationReason,
        });
        sendEnvelope(res, await assertions.presentOne(a, 'private'), 'Updated');
      },
    }),
  ];
}

/** The assertions of a credential: issued to one recipient or in bulk, and listed (admins). */
export function credentialAssertionRoutes(rt: Runtime): RouteDef[] {
  const { assertions, issueRequests: requests, claimAnswers } = rt.services;

  return [
    defineRoute({
      method: 'post',
      path: `${base}/{entity_id}/assertions/bulk/`,
      summary: `Issue a credential to up to ${MAX_BULK_USERS} users (usernames or recipient objects); 202 + job when not done in time`,
      tag: 'assertions',
      auth: 'tenant',
      params: entityParams,
      body: bulkBody,
      bodyLimit: BULK_BODY_LIMIT,
      altBody: { contentTypes: CSV_TYPES, middleware: csvBulkBody(BULK_BODY_LIMIT) },
      responses: {
        200: { description: 'Finished, nothing new issued: bare {skipped, issued, failed}', schema: bulkResultSchema },
        201: {
          description:
            'Finished: bare {skipped, issued, failed}; with "claim_links": true also claim_links: ' +
            '[{user, assertion_id, url, expires_at}] for each recipient issued or holding it already (issue 15); ' +
            'every answer has `Link: <job status>; rel="monitor"`, whose progress reports the renders that follow',
          schema: bulkResultSchema,
        },
        202: {
          description:
            'Still running: {job_id, status_url, skipped: [], issued: [], failed: []}; with "claim_links": true ' +
            'the job status result has claim_links once completed',
          schema: bulkQueuedSchema,
        },
        400: 'Invalid input or empty users',
        403: 'Not a platform admin',
        404: 'Unknown credential',
        409: 'Retired issuer or reused Idempotency-Key',
        410: 'Deleted credential',
        413: `More than ${MAX_BULK_USERS} users`,
      },
      async handler({ params, body, principal, req, res }) {
        const { claim_links: wantsClaimLinks, ...bulk } = body;
        const r = await requests.issueBulk(
          principal,
          params.org,
          params.entity_id,
          bulk,
          idempotencyKeyOf(req.headers['idempotency-key']),
          // Kept with the job: a 202 answer's job status carries the links once the bulk is done.
          { claimLinks: wantsClaimLinks },
        );
        // Issue 17: the bulk's job status (users done, then its renders) is linked from every answer.
        if (r.statusUrl) res.setHeader('Link', `<${r.statusUrl}>; rel="monitor"`);
        // Bare, as the seed shows it (no envelope).
        if (!wantsClaimLinks || r.status === 202) return void res.status(r.status).json(r.result);
        const result = r.result as { issued: string[]; skipped: string[] };
        const users = [...result.issued, ...result.skipped];
        const links = await claimAnswers.bulk(params.org, params.entity_id, users);
        res.status(r.status).json({ ...result, claim_links: links });
      },
    }),
    defineRoute({
      method: 'get',
      path: `${base}/{entity_id}/assertions/`,
      summary: 'The assertions of a credential (admins), as a bare page',
      tag: 'assertions',
      auth: 'tenant',
      params: entityParams,
      query: pageQuery,
      responses: {
        200: { description: 'A bare page of assertions', schema: assertionPage },
        403: 'Students',
        404: 'Unknown credential or page',
      },
      async handler({ params, query, principal, url, res }) {
        const page = pageRequest(query);
        const { count, rows } = await assertions.listForCredential(principal, params.org, params.entity_id, {
          limit: page.pageSize,
          offset: page.offset,
        });
        res.json(pageNumberPage(url, page, count, await assertions.present(rows, 'private')));
      },
    }),
    defineRoute({
      method: 'post',
      path: `${base}/{entity_id}/assertions/`,
      summary:
        'Issue a credential to one recipient; 201 assertion, 200 when already held, 202 + job when not done in time',
      tag: 'assertions',
      auth: 'tenant',
      params: entityParams,
      body: singleBody,
      responses: {
        200: {
          description: 'The recipient already holds a live assertion of this credential (returned)',
          schema: assertionEnvelope('Ok'),
        },
        201: {
          description:
            'Created; with "claim_links": true the result also has claimLink: {url, token, expiresAt} (issue 15)',
          schema: assertionEnvelope('Created'),
        },
        202: { description: 'Queued: {job_id, status_url}', schema: envelopeSchema(z.object(queuedJob), 'Ok') },
        400: 'Invalid input',
        403: 'Not a platform admin',
        404: 'Unknown credential',
        409: 'Retired issuer or reused Idempotency-Key',
        410: 'Deleted credential',
      },
      async handler({ params, body, principal, req, res }) {
        const { claim_links: wantsClaimLink, ...single } = body;
        const r = await requests.issueSingle(
          principal,
          params.org,
          params.entity_id,
          single,
          idempotencyKeyOf(req.headers['idempotency-key']),
        );
        if (!wantsClaimLink || r.status === 202) return sendEnvelope(res, r.result, r.description, r.status);
        const a = r.result as { entityId: string };
        const claimLink = claimAnswers.one(a.entityId);
        sendEnvelope(res, { ...a, claimLink }, r.description, r.status);
      },
    }),
  ];
}
