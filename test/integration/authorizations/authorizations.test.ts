import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/harness.js';
import { DB_KINDS } from '../../support/databases.js';

/** The did:web an issuer of this service signs as (issue 14): the host (port escaped), then the path. */
const didWeb = (base: string, issuerId: string) =>
  `did:web:${encodeURIComponent(new URL(base).host)}:issuers:${issuerId}`;

/** Organizations are named by a UUID beside their slug (`vanity_slug`). */
const UUID = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

describe.each(DB_KINDS)('issuer authorizations across organizations (%s)', (db) => {
  let svc: TestService;
  const t: Record<string, string> = {};
  const cred: Record<string, string> = {};
  const org = (o: string, user: string, method: string, path: string, body?: unknown) =>
    svc.api(method, `/api/organizations/${o}${path}`, { token: t[user], body });
  const credentials = (o: string, user: string, method: string, path: string, body?: unknown) =>
    svc.api(method, `/api/credentials/orgs/${o}/users/${user}${path}`, { token: t[user], body });

  beforeAll(async () => {
    svc = await startTestService({ db });
    for (const [o, name] of [
      ['uni', 'University'],
      ['academy', 'Partner Academy'],
      ['third', 'Third'],
    ]) {
      await svc.api('POST', '/api/admin/orgs', { body: { org: o, name } });
      await svc.api('PUT', `/api/admin/orgs/${o}/users/${o}-admin`, { body: { role: 'platform_admin' } });
      t[`${o}-admin`] = (await svc.api('POST', `/api/admin/orgs/${o}/users/${o}-admin/tokens`)).body.result.token;
    }
    await svc.api('PUT', '/api/admin/orgs/uni/users/uni-student', { body: { role: 'student' } });
    t['uni-student'] = (await svc.api('POST', '/api/admin/orgs/uni/users/uni-student/tokens')).body.result.token;
    const issuer = (
      await credentials('uni', 'uni-admin', 'POST', '/issuers/', {
        name: 'University',
        url: 'https://uni.example',
        iconImage: null,
      })
    ).body.result.entityId;
    for (const name of ['Data Science', 'Ethics']) {
      cred[name] = (
        await credentials('uni', 'uni-admin', 'POST', '/', {
          name,
          description: name,
          issuer,
          criteria_text: 'Complete it',
        })
      ).body.result.entityId;
    }
  });
  afterAll(() => svc?.stop());

  it('authorizes, lists both directions in the Credly shape, and refuses duplicates and self', async () => {
    const created = await org('uni', 'uni-admin', 'POST', '/issuers', {
      issuer_id: 'academy',
      display_issuer_as: 'issuer',
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      authorization_type: 'platform',
      display_issuer_as: 'issuer',
      restrict_by_badge_templates: false,
      allowed_badge_templates: [],
      collections: [],
      subscription_type: null,
      issuer: {
        type: 'Organization',
        id: UUID,
        name: 'Partner Academy',
        vanity_slug: 'academy',
        badge_template_count: 0,
      },
      grantor: {
        type: 'Organization',
        id: UUID,
        vanity_slug: 'uni',
        name: 'University',
        badge_template_count: 2,
        url: 'https://uni.example',
      },
    });
    expect(created.body.data.id).toMatch(/^[0-9a-f-]{36}$/);

    const list = await org('uni', 'uni-admin', 'GET', '/issuers');
    expect(list.status).toBe(200);
    expect(list.body.metadata).toEqual({
      count: 1,
      current_page: 1,
      total_count: 1,
      total_pages: 1,
      per: 50,
      previous_page_url: null,
      next_page_url: null,
    });
    expect(list.body.data[0].id).toBe(created.body.data.id);
    const grantors = await org('academy', 'academy-admin', 'GET', '/grantors');
    expect(grantors.body.data).toEqual([
      { id: created.body.data.id, grantor: expect.objectContaining({ vanity_slug: 'uni', name: 'University' }) },
    ]);

    expect((await org('uni', 'uni-admin', 'POST', '/issuers', { issuer_id: 'academy' })).status).toBe(409);
    expect((await org('uni', 'uni-admin', 'POST', '/issuers', { issuer_id: 'uni' })).status).toBe(400);
    expect((await org('uni', 'uni-admin', 'POST', '/issuers', { issuer_id: 'nowhere' })).status).toBe(404);
    expect(
      (await org('uni', 'uni-admin', 'POST', '/issuers', { issuer_id: 'third', display_issuer_as: 'sideways' })).status,
    ).toBe(400);
    expect(
      (await org('uni', 'uni-admin', 'POST', '/issuers', { issuer_id: 'third', restrict_by_badge_templates: true }))
        .status,
    ).toBe(400);
    expect(
      (
        await org('uni', 'uni-admin', 'POST', '/issuers', {
          issuer_id: 'third',
          restrict_by_badge_templates: true,
          allowed_badge_templates: ['nope'],
        })
      ).status,
    ).toBe(400);
  });

  it("only the grantor's platform admins write; unknown orgs are 404", async () => {
    expect((await org('uni', 'uni-student', 'POST', '/issuers', { issuer_id: 'third' })).status).toBe(403);
    expect((await org('uni', 'uni-student', 'GET', '/issuers')).status).toBe(403);
    expect((await org('uni', 'academy-admin', 'POST', '/issuers', { issuer_id: 'third' })).status).toBe(403);
    expect((await org('uni', 'third-admin', 'GET', '/issuers')).status).toBe(403);
    expect((await org('nowhere', 'uni-admin', 'GET', '/issuers')).status).toBe(404);
    expect((await svc.api('GET', '/api/organizations/uni/issuers', { token: null })).status).toBe(401);
  });

  it('paginates with page and per', async () => {
    for (let i = 0; i < 3; i++) {
      await svc.api('POST', '/api/admin/orgs', { body: { org: `p${i}`, name: `P${i}` } });
      expect(
        (
          await org('uni', 'uni-admin', 'POST', '/issuers', {
            issuer_id: `p${i}`,
            restrict_by_badge_templates: true,
            allowed_badge_templates: [cred.Ethics],
          })
        ).status,
      ).toBe(201);
    }
    const first = await org('uni', 'uni-admin', 'GET', '/issuers?per=2');
    expect(first.body.data).toHaveLength(2);
    expect(first.body.metadata).toMatchObject({
      count: 2,
      current_page: 1,
      total_count: 4,
      total_pages: 2,
      per: 2,
      previous_page_url: null,
    });
    expect(first.body.metadata.next_page_url).toBe(`${svc.url}/api/organizations/uni/issuers?per=2&page=2`);
    const second = await svc.api('GET', first.body.metadata.next_page_url.slice(svc.url.length), {
      token: t['uni-admin'],
    });
    expect(second.body.data.map((d: { issuer: { vanity_slug: string } }) => d.issuer.vanity_slug)).toEqual([
      'p1',
      'p2',
    ]);
    expect(second.body.data[0]).toMatchObject({
      restrict_by_badge_templates: true,
      allowed_badge_templates: [cred.Ethics],
    });
    expect((await org('uni', 'uni-admin', 'GET', '/issuers?per=0')).status).toBe(400);
  });

  it('deauthorizes with 204; then the grantor list no longer has it', async () => {
    const list = (await org('uni', 'uni-admin', 'GET', '/issuers?per=100')).body.data as {
      id: string;
      issuer: { vanity_slug: string };
    }[];
    const p0 = list.find((d) => d.issuer.vanity_slug === 'p0')!;
    expect((await org('uni', 'academy-admin', 'DELETE', `/issuers/${p0.id}`)).status).toBe(403);
    const del = await org('uni', 'uni-admin', 'DELETE', `/issuers/${p0.id}`);
    expect(del.status).toBe(204);
    expect((await org('uni', 'uni-admin', 'DELETE', `/issuers/${p0.id}`)).status).toBe(404);
    const after = (await org('uni', 'uni-admin', 'GET', '/issuers?per=100')).body.data as {
      issuer: { vanity_slug: string };
    }[];
    expect(after.map((d) => d.issuer.vanity_slug)).not.toContain('p0');
    // Authorizing again after a deauthorization is allowed.
    expect((await org('uni', 'uni-admin', 'POST', '/issuers', { issuer_id: 'p0' })).status).toBe(201);
  });
});

describe.each(DB_KINDS)('issuing under an authorization (%s)', (db) => {
  let svc: TestService;
  const t: Record<string, string> = {};
  const cred: Record<string, string> = {};
  const issuers: Record<string, string> = {};
  const issue = (
    o: string,
    credential: string,
    user: string,
    path = '/assertions/',
    body: unknown = { recipient: { user_id: user } },
  ) =>
    svc.api('POST', `/api/credentials/orgs/${o}/users/${o}-admin/${credential}${path}`, {
      token: t[`${o}-admin`],
      body,
    });
  const signed = async (assertion: { credential_json: string }) => (await fetch(assertion.credential_json)).json();

  beforeAll(async () => {
    svc = await startTestService({ db, env: { ISSUE_WAIT_MS: '10000' } });
    for (const o of ['uni', 'academy', 'third']) {
      await svc.api('POST', '/api/admin/orgs', { body: { org: o, name: o.toUpperCase() } });
      await svc.api('POST', `/api/admin/orgs/${o}/users`, {
        body: {
          users: [
            { user_id: `${o}-admin`, role: 'platform_admin' },
            ...[1, 2, 3].map((i) => ({ user_id: `${o}-learner${i}`, role: 'student', email: `l${i}@${o}.test` })),
          ],
        },
      });
      t[`${o}-admin`] = (await svc.api('POST', `/api/admin/orgs/${o}/users/${o}-admin/tokens`)).body.result.token;
      issuers[o] = (
        await svc.api('POST', `/api/credentials/orgs/${o}/users/${o}-admin/issuers/`, {
          token: t[`${o}-admin`],
          body: { name: `${o.toUpperCase()} issuer` },
        })
      ).body.result.entityId;
    }
    for (const name of ['Data Science', 'Ethics']) {
      const r = await svc.api('POST', '/api/credentials/orgs/uni/users/uni-admin/', {
        token: t['uni-admin'],
        body: { name, description: name, issuer: issuers.uni, criteria_text: 'Complete it' },
      });
      cred[name] = r.body.result.entityId;
    }
  });
  afterAll(() => svc?.stop());

  it('without an authorization another org gets 404, as for an unknown credential (no existence oracle)', async () => {
    expect((await issue('academy', cred['Data Science'], 'academy-learner1')).status).toBe(404);
    expect((await issue('academy', 'no-such-credential', 'academy-learner1')).status).toBe(404);
  });

  it('display as grantor: signed by the grantor, visible to both orgs; restricted templates enforced', async () => {
    const auth = await svc.api('POST', '/api/organizations/uni/issuers', {
      token: t['uni-admin'],
      body: {
        issuer_id: 'academy',
        display_issuer_as: 'grantor',
        restrict_by_badge_templates: true,
        allowed_badge_templates: [cred['Data Science']],
      },
    });
    expect(auth.status).toBe(201);
    const r = await issue('academy', cred['Data Science'], 'academy-learner1');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const vc = await signed(r.body.result);
    expect(vc.issuer.id).toBe(didWeb(svc.url, issuers.uni));
    expect(vc.credentialSubject.achievement.creator).toBeUndefined();
    // Not in the allowed templates.
    expect((await issue('academy', cred.Ethics, 'academy-learner1')).status).toBe(404);
    // Bulk goes through the same rule.
    const bulk = await issue('academy', cred['Data Science'], '', '/assertions/bulk/', {
      users: ['academy-learner2', 'academy-learner3'],
    });
    expect(bulk.status).toBe(201);
    expect(bulk.body.issued.sort()).toEqual(['academy-learner2', 'academy-learner3']);

    const grantorView = await svc.api(
      'GET',
      `/api/credentials/orgs/uni/users/uni-admin/${cred['Data Science']}/assertions/`,
      { token: t['uni-admin'] },
    );
    expect(grantorView.body.count).toBe(3);
    const issuerView = await svc.api(
      'GET',
      `/api/credentials/orgs/academy/users/academy-admin/${cred['Data Science']}/assertions/`,
      { token: t['academy-admin'] },
    );
    expect(issuerView.body.count).toBe(3);
    const one = await svc.api('GET', `/api/credentials/orgs/uni/users/uni-admin/assertions/${r.body.result.entityId}`, {
      token: t['uni-admin'],
    });
    expect(one.status).toBe(200);
    // A third org sees none of it.
    expect(
      (
        await svc.api('GET', `/api/credentials/orgs/third/users/third-admin/${cred['Data Science']}/assertions/`, {
          token: t['third-admin'],
        })
      ).status,
    ).toBe(404);
    expect((await issue('third', cred['Data Science'], 'third-learner1')).status).toBe(404);
  });

  it('display as issuer: signed by the issuing org, the grantor named as the achievement creator', async () => {
    await svc.api('POST', '/api/organizations/uni/issuers', {
      token: t['uni-admin'],
      body: { issuer_id: 'third', display_issuer_as: 'issuer' },
    });
    const r = await issue('third', cred.Ethics, 'third-learner1');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const vc = await signed(r.body.result);
    expect(vc.issuer.id).toBe(didWeb(svc.url, issuers.third));
    expect(vc.credentialSubject.achievement.creator).toMatchObject({
      id: `${svc.url}/api/credentials/public/issuers/${issuers.uni}`,
      name: 'UNI issuer',
    });
    expect(vc.credentialSubject.achievement.name).toBe('Ethics');
    // The header's key is the third org's issuer key.
    const header = JSON.parse(
      Buffer.from((await (await fetch(r.body.result.credential_jwt)).text()).split('.')[0], 'base64url').toString(),
    );
    const jwk = await (await fetch(header.kid)).json();
    expect(jwk.iss).toBe(`${svc.url}/api/credentials/public/issuers/${issuers.third}`);
  });

  it('user ids are per org: the same id in the grantor and the authorized org are two recipients', async () => {
    for (const o of ['uni', 'third']) {
      await svc.api('POST', `/api/admin/orgs/${o}/users`, {
        body: { users: ['same-a', 'same-b'].map((u) => ({ user_id: u, role: 'student', email: `${u}@${o}.test` })) },
      });
    }
    const byUni = await issue('uni', cred.Ethics, 'same-a');
    expect(byUni.status, JSON.stringify(byUni.body)).toBe(201);
    const byThird = await issue('third', cred.Ethics, 'same-a');
    expect(byThird.status, JSON.stringify(byThird.body)).toBe(201);
    expect(byThird.body.result.entityId).not.toBe(byUni.body.result.entityId);
    expect(byThird.body.result.recipient.plaintextIdentity).toBe('same-a@third.test');
    // Each org's holder is skipped only in that org.
    const bulk = await issue('third', cred.Ethics, '', '/assertions/bulk/', { users: ['same-a', 'same-b'] });
    expect(bulk.body).toMatchObject({ issued: ['same-b'], skipped: ['same-a'] });

    // Uni's same-b, a department admin there, sees nothing of third's same-b (nor of third's
    // members of a department with the same id): ids are per org.
    await svc.api('PUT', '/api/admin/orgs/uni/users/same-b', {
      body: { role: 'department_admin', departments: ['d1'] },
    });
    await svc.api('PUT', '/api/admin/orgs/third/users/same-b', { body: { role: 'student', departments: ['d1'] } });
    const da = (await svc.api('POST', '/api/admin/orgs/uni/users/same-b/tokens')).body.result.token;
    const thirds = (
      await svc.api('GET', `/api/credentials/orgs/third/users/third-admin/${cred.Ethics}/assertions/?page_size=100`, {
        token: t['third-admin'],
      })
    ).body.data as { entityId: string; user_id: string }[];
    const thirdSameB = thirds.find((a) => a.user_id === 'same-b')!.entityId;
    expect(
      (await svc.api('GET', `/api/credentials/orgs/uni/users/same-b/assertions/${thirdSameB}`, { token: da })).status,
    ).toBe(404);
    const daList = await svc.api(
      'GET',
      `/api/credentials/orgs/uni/users/same-b/${cred.Ethics}/assertions/?page_size=100`,
      { token: da },
    );
    expect(daList.body.data.map((a: { entityId: string }) => a.entityId)).not.toContain(thirdSameB);

    // The grantor's assignment shows its own user's progress, not the other org's namesake's.
    const assigned = await svc.api('POST', '/api/credentials/orgs/uni/users/uni-admin/assignments/users/', {
      token: t['uni-admin'],
      body: { credential: cred.Ethics, users: ['same-a', 'same-b'] },
    });
    expect(assigned.status).toBe(201);
    const list = await svc.api(
      'GET',
      `/api/credentials/orgs/uni/users/uni-admin/assignments/users/?credential=${cred.Ethics}`,
      { token: t['uni-admin'] },
    );
    const status = Object.fromEntries(
      (list.body.result.data as { user_id: string; status: string; assertion?: { entityId: string } }[]).map((a) => [
        a.user_id,
        a,
      ]),
    );
    expect(status['same-a']).toMatchObject({ status: 'issued', assertion: { entityId: byUni.body.result.entityId } });
    expect(status['same-b'].status).toBe('not_issued');
  });

  it("exclude_main_tenant_assertions leaves out awards of the main org's credentials", async () => {
    const main = (path: string, body: unknown) =>
      svc.api('POST', `/api/credentials/orgs/main/users/admin${path}`, { body });
    const mainIssuer = (await main('/issuers/', { name: 'Platform' })).body.result.entityId;
    const platformBadge = (
      await main('/', { name: 'Platform Onboarding', description: 'x', issuer: mainIssuer, criteria_text: 'x' })
    ).body.result.entityId;
    expect((await svc.api('POST', '/api/organizations/main/issuers', { body: { issuer_id: 'third' } })).status).toBe(
      201,
    );
    expect((await issue('third', platformBadge, 'third-learner2')).status).toBe(201);
    expect((await issue('third', cred.Ethics, 'third-learner2')).status).toBe(201);
    const token = (await svc.api('POST', '/api/admin/orgs/third/users/third-learner2/tokens')).body.result.token;
    const mine = (q: string) =>
      svc.api('GET', `/api/credentials/orgs/third/users/third-learner2/assertions/${q}`, { token });
    expect((await mine('')).body.count).toBe(2);
    const without = await mine('?exclude_main_tenant_assertions=true');
    expect(without.body.data.map((a: { badgeclass: string }) => a.badgeclass)).toEqual([cred.Ethics]);
  });

  it('deauthorizing stops new issuance; what was issued stays valid', async () => {
    const list = (await svc.api('GET', '/api/organizations/uni/issuers', { token: t['uni-admin'] })).body.data as {
      id: string;
      issuer: { vanity_slug: string };
    }[];
    const academy = list.find((a) => a.issuer.vanity_slug === 'academy')!;
    expect(
      (await svc.api('DELETE', `/api/organizations/uni/issuers/${academy.id}`, { token: t['uni-admin'] })).status,
    ).toBe(204);
    expect((await issue('academy', cred['Data Science'], 'academy-learner1')).status).toBe(404);
    const issued = await svc.api(
      'GET',
      `/api/credentials/orgs/academy/users/academy-admin/${cred['Data Science']}/assertions/`,
      { token: t['academy-admin'] },
    );
    expect(issued.body.count).toBe(3);
    const first = issued.body.data[0];
    const pub = await fetch(`${svc.url}/api/credentials/public/assertions/${first.entityId}/`);
    expect(pub.status).toBe(200);
  });
});
