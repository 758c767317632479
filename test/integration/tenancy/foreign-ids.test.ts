import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';

/**
 * Another org's ids are as unknown as ids that do not exist: the same status and the same
 * message, so no route tells a tenant that some other tenant's credential, issuer, assertion,
 * job, assignment or token exists.
 */
describe("another org's ids answer like unknown ones on every route", () => {
  let f: IssuanceFixture;
  const acme: Record<string, string> = {};

  beforeAll(async () => {
    f = await startIssuanceService('pglite');
    acme.issuer = await f.issuer();
    acme.credential = await f.credential(acme.issuer);
    const issued = await f.as('alice')('POST', `/${acme.credential}/assertions/`, {
      body: { recipient: { user_id: 'sam' } },
    });
    expect(issued.status).toBe(201);
    acme.assertion = issued.body.result.entityId;
    const row = await f.svc.service.runtime.db
      .selectFrom('assertions')
      .select('job_id')
      .where('id', '=', acme.assertion)
      .executeTakeFirstOrThrow();
    acme.job = row.job_id!;
    const assigned = await f.as('alice')('POST', '/assignments/users', {
      body: { credential: acme.credential, users: ['sue'] },
    });
    expect(assigned.status).toBe(201);
    const list = await f.as('alice')('GET', '/assignments/users');
    acme.assignment = String(list.body.result.data[0].entityId);
    const token = await f.svc.api('POST', '/api/admin/orgs/acme/users/alice/tokens');
    acme.token = token.body.result.id;
  });
  afterAll(() => f?.svc.stop());

  const routes: [string, string, (id: Record<string, string>) => [string, unknown?]][] = [
    ['GET', 'credential', (i) => [`/${i.credential}`]],
    ['PUT', 'credential', (i) => [`/${i.credential}`, { name: 'x' }]],
    ['DELETE', 'credential', (i) => [`/${i.credential}`]],
    ['GET', 'credential assertions', (i) => [`/${i.credential}/assertions/`]],
    ['POST', 'issue', (i) => [`/${i.credential}/assertions/`, { recipient: { user_id: 'gina' } }]],
    ['POST', 'bulk issue', (i) => [`/${i.credential}/assertions/bulk/`, { users: ['gina'] }]],
    ['POST', 're-render', (i) => [`/${i.credential}/render`]],
    ['GET', 'assertion', (i) => [`/assertions/${i.assertion}`]],
    ['PUT', 'revoke', (i) => [`/assertions/${i.assertion}`, { revoked: true, revocationReason: 'x' }]],
    ['GET', 'issuer', (i) => [`/issuers/${i.issuer}`]],
    ['PUT', 'issuer', (i) => [`/issuers/${i.issuer}`, { name: 'x' }]],
    ['DELETE', 'issuer', (i) => [`/issuers/${i.issuer}`]],
    [
      'POST',
      'signatory',
      (i) => [
        '/issuers/authority',
        { name: 'A', title: 'B', signature: 'https://x.example/s.png', entityId: i.issuer },
      ],
    ],
    ['POST', 'assign', (i) => ['/assignments/users', { credential: i.credential, users: ['gina'] }]],
    ['DELETE', 'assignment', (i) => [`/assignments/${i.assignment}`]],
    ['GET', 'job', (i) => [`/jobs/${i.job}`]],
  ];

  for (const [method, what, at] of routes) {
    it(`${method} ${what}`, async () => {
      const unknownIds = Object.fromEntries(Object.entries(acme).map(([k, v]) => [k, `zz${v.slice(2)}`]));
      const [foreignPath, body] = at(acme);
      const [unknownPath, unknownBody] = at(unknownIds);
      const foreign = await f.as('gina')(method, foreignPath, { body });
      const unknown = await f.as('gina')(method, unknownPath, { body: unknownBody });
      expect(unknown.status, JSON.stringify(unknown.body)).toBe(404);
      expect(foreign.status, JSON.stringify(foreign.body)).toBe(404);
      const scrub = (d: string, ids: Record<string, string>) =>
        Object.values(ids).reduce((s, id) => s.split(id).join('<id>'), d);
      expect(scrub(foreign.body.status.description, acme)).toBe(scrub(unknown.body.status.description, unknownIds));
    });
  }

  it("DELETE another org's API token", async () => {
    const ginaToken = f.tokens.gina;
    const foreign = await f.svc.api('DELETE', `/api/admin/tokens/${acme.token}`, { token: ginaToken });
    const unknown = await f.svc.api('DELETE', '/api/admin/tokens/00000000-0000-4000-8000-000000000000', {
      token: ginaToken,
    });
    expect([foreign.status, unknown.status]).toEqual([404, 404]);
  });
});
