import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { envelopeSchema, sendEnvelope } from '../envelope.js';
import { pageNumberPage, pageQuery, pageRequest } from '../pagination.js';
import type { Runtime } from '../../runtime.js';
import { orgIdSchema, userIdSchema } from '../../directory/directory-service.js';
import type { OrgRow } from '../../db/directory-repository.js';
import { optionalUrl } from './catalog-schemas.js';

/**
 * Administration of the directory: orgs, users, tokens. Main-org platform admins act on any org;
 * other platform admins on their own (enforced in the directory service).
 */
const roleSchema = z.enum(['platform_admin', 'department_admin', 'student']);
const departmentsSchema = z.array(z.string().min(1).max(255)).max(100);
const idSchema = z.string().min(1).max(255);
const userBody = z.object({
  role: roleSchema,
  name: z.string().max(255).optional(),
  email: z.email().max(320).optional(),
  departments: departmentsSchema.optional(),
});
export const MAX_USERS_PER_BATCH = 10_000;

/** The org profile (website, picture) shown in issuer authorization objects; null or "" clears. */
const orgProfileFields = { url: optionalUrl, photo_url: optionalUrl };
const orgObject = (row: OrgRow) => ({
  org: row.org,
  id: row.id,
  name: row.name,
  timezone: row.timezone,
  url: row.url,
  photo_url: row.photo_url,
});

/** Orgs (tenants): created by main-org platform admins, profiles read and changed by their admins. */
export function adminOrgRoutes(rt: Runtime): RouteDef[] {
  const { directory } = rt.services;
  return [
    defineRoute({
      method: 'post',
      path: '/api/admin/orgs',
      summary: 'Create an org (tenant)',
      tag: 'admin',
      auth: 'bearer',
      body: z.object({
        org: orgIdSchema,
        name: z.string().min(1).max(255),
        timezone: z
          .string()
          .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'unknown IANA time zone')
          .optional(),
        ...orgProfileFields,
      }),
      responses: { 201: 'Created', 400: 'Invalid input', 403: 'Not a main-org platform admin', 409: 'Org exists' },
      async handler({ body, principal, res }) {
        const row = await directory.createOrg(principal, body);
        sendEnvelope(res, orgObject(row), 'Created');
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/admin/orgs/{org}',
      summary: 'An org: slug, UUID, name, time zone and profile (url, photo_url)',
      tag: 'admin',
      auth: 'bearer',
      params: z.object({ org: z.string() }),
      responses: { 200: 'Ok', 403: 'Not an admin of the org', 404: 'Unknown org' },
      async handler({ params, principal, res }) {
        sendEnvelope(res, orgObject(await directory.getOrgProfile(principal, params.org)));
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/admin/orgs/{org}',
      summary: "Update an org's name and profile (url, photo_url); fields given are changed",
      tag: 'admin',
      auth: 'bearer',
      params: z.object({ org: z.string() }),
      body: z.object({ name: z.string().min(1).max(255).optional(), ...orgProfileFields }),
      responses: { 200: 'Updated', 400: 'Invalid input', 403: 'Not an admin of the org', 404: 'Unknown org' },
      async handler({ params, body, principal, res }) {
        sendEnvelope(res, orgObject(await directory.updateOrg(principal, params.org, body)), 'Updated');
      },
    }),
  ];
}

/** The users of an org, one at a time or in batches. */
export function adminUserRoutes(rt: Runtime): RouteDef[] {
  const { directory } = rt.services;
  return [
    defineRoute({
      method: 'get',
      path: '/api/admin/orgs/{org}/users',
      summary: 'List the users of an org (page, page_size, q)',
      tag: 'admin',
      auth: 'bearer',
      params: z.object({ org: z.string() }),
      query: pageQuery.extend({ q: z.string().max(200).optional() }),
      responses: { 200: 'Ok', 403: 'Not an admin of the org', 404: 'Unknown org or page' },
      async handler({ params, query, principal, url, res }) {
        const page = pageRequest(query);
        const { count, rows } = await directory.listUsers(principal, params.org, {
          offset: page.offset,
          limit: page.pageSize,
          q: query.q,
        });
        sendEnvelope(res, pageNumberPage(url, page, count, rows));
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/admin/orgs/{org}/users/{user_id}',
      summary: 'Create or update a user of an org',
      tag: 'admin',
      auth: 'bearer',
      params: z.object({ org: z.string(), user_id: userIdSchema }),
      body: userBody,
      responses: {
        200: 'Updated',
        403: 'Not an admin of the org',
        404: 'Unknown org',
        409: "Would demote the main org's last platform admin",
      },
      async handler({ params, body, principal, res }) {
        const user = await directory.upsertUser(principal, params.org, { user_id: params.user_id, ...body });
        sendEnvelope(res, user, 'Updated');
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/admin/orgs/{org}/users',
      summary: `Create or update up to ${MAX_USERS_PER_BATCH} users in one transaction`,
      tag: 'admin',
      auth: 'bearer',
      params: z.object({ org: z.string() }),
      body: z.object({
        users: z
          .array(userBody.extend({ user_id: userIdSchema }))
          .min(1)
          .max(MAX_USERS_PER_BATCH),
      }),
      bodyLimit: '8mb',
      responses: {
        200: 'Updated',
        400: 'Invalid users',
        403: 'Not an admin of the org',
        404: 'Unknown org',
        409: "Would demote the main org's last platform admin",
      },
      async handler({ params, body, principal, res }) {
        const upserted = await directory.upsertUsers(principal, params.org, body.users);
        sendEnvelope(res, { upserted }, 'Updated');
      },
    }),
  ];
}

/** Departments and groups, and the membership of groups. */
export function adminGroupRoutes(rt: Runtime): RouteDef[] {
  const { directory } = rt.services;
  return [
    defineRoute({
      method: 'put',
      path: '/api/admin/orgs/{org}/departments/{department_id}',
      summary: 'Create or rename a department',
      tag: 'admin',
      auth: 'bearer',
      params: z.object({ org: z.string(), department_id: idSchema }),
      body: z.object({ name: z.string().min(1).max(255) }),
      responses: { 200: 'Updated', 403: 'Not an admin of the org', 404: 'Unknown org' },
      async handler({ params, body, principal, res }) {
        sendEnvelope(
          res,
          await directory.putDepartment(principal, params.org, params.department_id, body.name),
          'Updated',
        );
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/admin/orgs/{org}/groups/{group_id}',
      summary: 'Create or update a group; `members`, when given, replaces the membership',
      tag: 'admin',
      auth: 'bearer',
      params: z.object({ org: z.string(), group_id: idSchema }),
      body: z.object({
        name: z.string().min(1).max(255),
        department: idSchema.nullable().optional(),
        members: z.array(idSchema).max(MAX_USERS_PER_BATCH).optional(),
      }),
      bodyLimit: '2mb',
      responses: { 200: 'Updated', 400: 'Unknown members', 403: 'Not an admin of the group', 404: 'Unknown org' },
      async handler({ params, body, principal, res }) {
        sendEnvelope(
          res,
          await directory.putGroup(principal, params.org, { group_id: params.group_id, ...body }),
          'Updated',
        );
      },
    }),
    ...(['post', 'delete'] as const).map((method) =>
      defineRoute({
        method,
        path: '/api/admin/orgs/{org}/groups/{group_id}/members',
        summary: method === 'post' ? 'Add members to a group' : 'Remove members from a group',
        tag: 'admin',
        auth: 'bearer',
        params: z.object({ org: z.string(), group_id: idSchema }),
        body: z.object({ users: z.array(idSchema).min(1).max(MAX_USERS_PER_BATCH) }),
        bodyLimit: '2mb',
        responses: {
          200: 'Updated',
          400: 'Unknown users',
          403: 'Not an admin of the group',
          404: 'Unknown org or group',
        },
        async handler({ params, body, principal, res }) {
          const change = method === 'post' ? 'add' : 'remove';
          sendEnvelope(
            res,
            await directory.changeGroupMembers(principal, params.org, params.group_id, body.users, change),
            'Updated',
          );
        },
      }),
    ),
  ];
}

/** A token as listed: who holds it and when it was made, used and revoked; never its value. */
const tokenObject = z.object({
  id: z.string(),
  org: z.string(),
  user_id: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

/** API tokens: created for a user (shown once), listed, revoked by id. */
export function adminTokenRoutes(rt: Runtime): RouteDef[] {
  const { directory } = rt.services;
  return [
    defineRoute({
      method: 'post',
      path: '/api/admin/orgs/{org}/users/{user_id}/tokens',
      summary: 'Create an API token for a user (shown once)',
      tag: 'admin',
      auth: 'bearer',
      params: z.object({ org: z.string(), user_id: z.string() }),
      body: z.object({}).strict().optional(),
      responses: { 201: 'Created', 403: 'Not an admin of the org', 404: 'Unknown org or user' },
      async handler({ params, principal, res }) {
        const t = await directory.createToken(principal, params.org, params.user_id);
        sendEnvelope(res, t, 'Created');
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/admin/orgs/{org}/tokens',
      summary: "List an org's API tokens (ids, users, dates; never the token values), newest first, at most 1000",
      tag: 'admin',
      auth: 'bearer',
      params: z.object({ org: z.string() }),
      query: z.object({
        user_id: z.string().min(1).max(255).optional(),
        include_revoked: z.enum(['true', 'false']).optional(),
      }),
      responses: {
        200: { description: 'Ok', schema: envelopeSchema(z.array(tokenObject), 'Ok') },
        403: 'Not an admin of the org',
        404: 'Unknown org',
      },
      async handler({ params, query, principal, res }) {
        const rows = await directory.listTokens(principal, params.org, {
          userId: query.user_id,
          includeRevoked: query.include_revoked === 'true',
        });
        sendEnvelope(res, rows);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/admin/tokens/{id}',
      summary: 'Revoke an API token',
      tag: 'admin',
      auth: 'bearer',
      params: z.object({ id: z.string() }),
      responses: { 200: 'Deleted', 404: 'Unknown token' },
      async handler({ params, principal, res }) {
        await directory.revokeToken(principal, params.id);
        sendEnvelope(res, undefined, 'Deleted');
      },
    }),
  ];
}
