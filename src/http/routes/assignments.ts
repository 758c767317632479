import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import { sendEnvelope } from '../envelope.js';
import { pageNumberPage, pageQuery, pageRequest } from '../pagination.js';
import type { Runtime } from '../../runtime.js';
import { calendarDate } from '../../calendar-date.js';

const params = z.object({ org: z.string(), user_id: z.string() });
const dueDate = calendarDate.nullable().optional();
const id = z.string().min(1).max(255);

export function assignmentRoutes(rt: Runtime): RouteDef[] {
  const { assignments } = rt.services;
  return [
    defineRoute({
      method: 'get',
      path: '/api/credentials/orgs/{org}/users/{user_id}/assignments/users',
      summary:
        'Assignments of users, each with its assertion when earned (students: their own; department admins: their departments)',
      tag: 'assignments',
      auth: 'tenant',
      params,
      query: pageQuery.extend({ credential: id.optional(), user: id.optional() }),
      async handler({ params: p, query, principal, url, res }) {
        const page = pageRequest(query);
        const r = await assignments.listForUsers(principal, p.org, {
          offset: page.offset,
          limit: page.pageSize,
          credential: query.credential,
          user: query.user,
        });
        sendEnvelope(res, pageNumberPage(url, page, r.count, r.data));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/credentials/orgs/{org}/users/{user_id}/assignments/users',
      summary: 'Assign a credential to users (department admins: users of their departments only)',
      tag: 'assignments',
      auth: 'tenant',
      params,
      body: z.object({ credential: id, users: z.array(id).min(1).max(10_000), due_date: dueDate }),
      bodyLimit: '2mb',
      responses: { 201: 'Created', 400: 'Unknown users', 403: 'Outside your departments', 404: 'Unknown credential' },
      async handler({ params: p, body, principal, res }) {
        sendEnvelope(res, await assignments.assignToUsers(principal, p.org, body), 'Created');
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/credentials/orgs/{org}/users/{user_id}/assignments/groups',
      summary: 'Group assignments with progress (members, earned)',
      tag: 'assignments',
      auth: 'tenant',
      params,
      query: pageQuery,
      async handler({ params: p, query, principal, url, res }) {
        const page = pageRequest(query);
        const r = await assignments.listForGroups(principal, p.org, { offset: page.offset, limit: page.pageSize });
        sendEnvelope(res, pageNumberPage(url, page, r.count, r.data));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/credentials/orgs/{org}/users/{user_id}/assignments/groups',
      summary: 'Assign a credential to a group; members who join later are covered',
      tag: 'assignments',
      auth: 'tenant',
      params,
      body: z.object({ credential: id, group: id, due_date: dueDate }),
      responses: { 201: 'Created', 403: 'Outside your departments', 404: 'Unknown credential or group' },
      async handler({ params: p, body, principal, res }) {
        sendEnvelope(res, await assignments.assignToGroup(principal, p.org, body), 'Created');
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/credentials/orgs/{org}/users/{user_id}/assignments/{assignment_id}',
      summary: 'Delete an assignment (platform and department admins)',
      tag: 'assignments',
      auth: 'tenant',
      params: params.extend({ assignment_id: id }),
      responses: { 204: 'Deleted', 403: 'Not allowed', 404: 'Unknown assignment' },
      async handler({ params: p, principal, res }) {
        await assignments.remove(principal, p.org, p.assignment_id);
        res.status(204).end();
      },
    }),
  ];
}
