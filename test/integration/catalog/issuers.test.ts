import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from '../../support/databases.js';
import { startCatalogService, type CallAs, type CatalogFixture } from './catalog-fixture.js';
import { catalogRepository } from '../../../src/db/catalog-repository.js';

describe.each(DB_KINDS)('catalog: issuers and signatories (%s)', (db) => {
  let fx: CatalogFixture;
  let alice: CallAs;
  let sam: CallAs;
  let gina: CallAs;
  const rt = () => fx.svc.service.runtime;

  beforeAll(async () => {
    fx = await startCatalogService(db);
    alice = fx.as('alice');
    sam = fx.as('sam');
    gina = fx.as('gina');
  });
  afterAll(() => fx?.svc.stop());

  let first: any;

  it('creates an issuer with an ES256 key whose private half is sealed', async () => {
    const r = await alice('POST', '/issuers/', {
      body: {
        name: 'Acme University',
        iconImage: 'https://acme.example/logo.png',
        email: 'reg@acme.example',
        url: 'https://acme.example',
        allowed_template_tags: [],
      },
    });
    expect(r.status).toBe(201);
    expect(r.body.status).toEqual({ success: true, description: 'Created' });
    first = r.body.result;
    expect(first).toMatchObject({
      name: 'Acme University',
      org: 'acme',
      iconImage: 'https://acme.example/logo.png',
      email: 'reg@acme.example',
      url: 'https://acme.example',
      allowed_template_tags: [],
      signing_alg: 'ES256',
      signatories: [],
    });
    expect(first.entityId).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const keys = await rt().db.selectFrom('issuer_keys').selectAll().where('issuer_id', '=', first.entityId).execute();
    expect(keys).toHaveLength(1);
    expect(keys[0].alg).toBe('ES256');
    expect(keys[0].public_jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(keys[0].public_jwk).not.toHaveProperty('d');
    const signing = await rt().issuerKeys.getSigningKey(first.entityId);
    expect(typeof signing.privateJwk.d).toBe('string');
    expect(keys[0].private_jwk_enc).not.toContain(signing.privateJwk.d);
    expect(keys[0].private_jwk_enc).not.toContain('"d"');
  });

  it('creates an RS256 issuer when asked', async () => {
    const r = await alice('POST', '/issuers', { body: { name: 'Acme Legacy', signing_alg: 'RS256' } });
    expect(r.status).toBe(201);
    expect(r.body.result.signing_alg).toBe('RS256');
    const [key] = await rt().issuerKeys.listPublicKeys(r.body.result.entityId);
    expect(key.alg).toBe('RS256');
    expect(key.jwk).toMatchObject({ kty: 'RSA' });
    for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key.jwk).not.toHaveProperty(priv);
    expect((await alice('POST', '/issuers', { body: { name: 'X', signing_alg: 'HS256' } })).status).toBe(400);
  });

  it('lists with q, limit and offset; next/previous links; an empty org', async () => {
    expect((await alice('POST', '/issuers/', { body: { name: 'Acme Online' } })).status).toBe(201);
    const all = await alice('GET', '/issuers/');
    expect(all.status).toBe(200);
    expect(all.body.result).toMatchObject({
      count: 3,
      num_pages: 1,
      page_number: 1,
      max_page_size: 1000,
      next: null,
      previous: null,
    });
    expect(all.body.result.data.map((i: any) => i.name)).toEqual(['Acme University', 'Acme Legacy', 'Acme Online']);

    const p1 = await alice('GET', '/issuers/?limit=2');
    expect(p1.body.result).toMatchObject({ count: 3, num_pages: 2, page_number: 1, previous: null });
    expect(p1.body.result.data).toHaveLength(2);
    const next = new URL(p1.body.result.next);
    expect(next.origin).toBe(fx.svc.url);
    expect(next.searchParams.get('offset')).toBe('2');
    expect(next.searchParams.get('limit')).toBe('2');

    const p2 = await fx.svc.api('GET', next.pathname + next.search, { token: fx.tokens.alice });
    expect(p2.body.result).toMatchObject({ count: 3, page_number: 2, next: null });
    expect(p2.body.result.data.map((i: any) => i.name)).toEqual(['Acme Online']);
    expect(new URL(p2.body.result.previous).searchParams.get('offset')).toBe('0');

    const q = await alice('GET', '/issuers?q=legacy');
    expect(q.body.result.count).toBe(1);
    expect(q.body.result.data[0].name).toBe('Acme Legacy');
    const none = await alice('GET', '/issuers?q=%25');
    expect(none.body.result).toMatchObject({ count: 0, data: [] });

    const empty = await gina('GET', '/issuers/');
    expect(empty.body.result).toEqual({
      next: null,
      previous: null,
      count: 0,
      data: [],
      num_pages: 1,
      page_number: 1,
      max_page_size: 1000,
    });
    expect((await alice('GET', '/issuers?limit=0')).status).toBe(400);
    expect((await alice('GET', '/issuers?offset=-1')).status).toBe(400);
  });

  it('gets by entity id or by org identifier; students read too', async () => {
    const byId = await alice('GET', `/issuers/${first.entityId}`);
    expect(byId.status).toBe(200);
    // The bare array the seed shows: [ {issuer} ].
    expect(byId.body).toEqual([expect.objectContaining({ entityId: first.entityId })]);
    const byOrg = await sam('GET', '/issuers/acme/');
    expect(byOrg.status).toBe(200);
    expect(byOrg.body[0].entityId).toBe(first.entityId);
    expect((await sam('GET', '/issuers/')).status).toBe(200);
    expect((await alice('GET', '/issuers/nope')).status).toBe(404);
    expect((await catalogRepository(rt().db).getIssuer('acme', 'acme'))?.id).toBe(first.entityId);
    expect(await catalogRepository(rt().db).getIssuer('globex', first.entityId)).toBeUndefined();
  });

  it('updates the fields given; bad input is a 400 naming the field', async () => {
    const r = await alice('PUT', `/issuers/${first.entityId}/`, {
      body: { iconImage: 'https://acme.example/new-logo.png', allowed_template_tags: ['recipient', 'credential.name'] },
    });
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(1);
    expect(r.body[0]).toMatchObject({
      name: 'Acme University',
      iconImage: 'https://acme.example/new-logo.png',
      allowed_template_tags: ['recipient', 'credential.name'],
    });

    const bad = await alice('PUT', `/issuers/${first.entityId}`, { body: { email: 'nope', url: 'ftp://x' } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fieldErrors).sort()).toEqual(['email', 'url']);
    const tags = await alice('PUT', `/issuers/${first.entityId}`, {
      body: { allowed_template_tags: ['recipient.shoe_size'] },
    });
    expect(tags.status).toBe(400);
    expect(tags.body.status.description).toMatch(/recipient\.shoe_size/);
    expect((await alice('POST', '/issuers', { body: { iconImage: 'https://x.example/a.png' } })).status).toBe(400);
    // cleared again for the tests below
    expect(
      (await alice('PUT', `/issuers/${first.entityId}`, { body: { allowed_template_tags: null } })).body[0]
        .allowed_template_tags,
    ).toEqual([]);
  });

  it('only platform admins of the org write (403); another org sees 404', async () => {
    for (const who of ['sam', 'dora'] as const) {
      const call = fx.as(who);
      expect((await call('POST', '/issuers/', { body: { name: 'Nope' } })).status).toBe(403);
      expect((await call('PUT', `/issuers/${first.entityId}`, { body: { name: 'Nope' } })).status).toBe(403);
      expect((await call('DELETE', `/issuers/${first.entityId}`)).status).toBe(403);
      expect(
        (
          await call('POST', '/issuers/authority/', {
            body: { name: 'A', title: 'B', signature: 'https://x.example/s.png', entityId: first.entityId },
          })
        ).status,
      ).toBe(403);
    }
    expect((await gina('GET', `/issuers/${first.entityId}`)).status).toBe(404);
    expect((await gina('PUT', `/issuers/${first.entityId}`, { body: { name: 'Mine' } })).status).toBe(404);
    expect((await gina('DELETE', `/issuers/${first.entityId}`)).status).toBe(404);
    expect((await gina('GET', '/issuers/acme')).status).toBe(404);
    // …and the acme path is simply not hers.
    const foreign = await fx.svc.api('GET', `/api/credentials/orgs/acme/users/gina/issuers/${first.entityId}`, {
      token: fx.tokens.gina,
    });
    expect(foreign.status).toBe(403);
    expect((await alice('GET', `/issuers/${first.entityId}`)).body[0].name).toBe('Acme University');
  });

  it('signatories attach to an issuer (by entityId or org) or to a credential, and show on both objects', async () => {
    const sig = { name: 'John Smith', title: 'President', signature: 'https://acme.example/sig/john.png' };
    const r = await alice('POST', '/issuers/authority/', { body: { ...sig, entityId: first.entityId } });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ data: sig });
    const byOrg = await alice('POST', '/issuers/authority', {
      body: { name: 'Jane Roe', title: 'Dean', signature: 'https://acme.example/sig/jane.png', org: 'acme' },
    });
    expect(byOrg.status).toBe(201);
    const [issuer] = (await alice('GET', `/issuers/${first.entityId}`)).body;
    expect(issuer.signatories).toEqual([
      sig,
      { name: 'Jane Roe', title: 'Dean', signature: 'https://acme.example/sig/jane.png' },
    ]);

    const cred = await alice('POST', '/', { body: { name: 'Signed', issuer: first.entityId } });
    expect(cred.status).toBe(201);
    const own = { name: 'Ada Byron', title: 'Course lead', signature: 'https://acme.example/sig/ada.png' };
    expect(
      (await alice('POST', '/issuers/authority/', { body: { ...own, credential: cred.body.result.entityId } })).status,
    ).toBe(201);
    // The credential's issuer may also be named by its org identifier, as the issuer routes allow.
    const aliased = await alice('POST', '/issuers/authority/', {
      body: { ...own, name: 'Ann Alias', credential: cred.body.result.entityId, entityId: 'acme' },
    });
    expect(aliased.status, JSON.stringify(aliased.body)).toBe(201);
    const c = (await alice('GET', `/${cred.body.result.entityId}`)).body.result;
    expect(c.signatories.map((s: any) => s.name)).toEqual(['Ada Byron', 'Ann Alias', 'John Smith', 'Jane Roe']);
    // Its certificates list them: each signatory, and an issuer change, is a new template version.
    expect(c.template_version).toBe(3);
    expect(
      (await alice('PUT', `/issuers/${first.entityId}`, { body: { url: 'https://acme.example/new' } })).status,
    ).toBe(200);
    expect((await alice('GET', `/${cred.body.result.entityId}`)).body.result.template_version).toBe(4);
    expect(
      await catalogRepository(rt().db).listSignatories({
        issuerId: first.entityId,
        credentialId: cred.body.result.entityId,
      }),
    ).toEqual(c.signatories);
    // the credential's own signatory is not the issuer's
    expect((await alice('GET', `/issuers/${first.entityId}`)).body[0].signatories).toHaveLength(2);

    expect((await alice('POST', '/issuers/authority/', { body: { ...sig, entityId: 'nope' } })).status).toBe(404);
    expect((await alice('POST', '/issuers/authority/', { body: { ...sig, credential: 'nope' } })).status).toBe(404);
    expect((await alice('POST', '/issuers/authority/', { body: { ...sig, org: 'globex' } })).status).toBe(404);
    // None of credential, entityId, org (all optional in the seed): the org's primary (oldest live) issuer.
    const plain = { name: 'Pat Default', title: 'Registrar', signature: 'https://acme.example/sig/pat.png' };
    const byDefault = await alice('POST', '/issuers/authority/', { body: plain });
    expect(byDefault.status).toBe(201);
    expect(byDefault.body).toEqual({ data: plain });
    expect((await alice('GET', '/issuers/acme')).body[0].signatories).toContainEqual(plain);
    expect((await alice('GET', `/issuers/${first.entityId}`)).body[0].signatories).toHaveLength(3);
    // An org without any issuer has nothing to attach to: a 404 that says so.
    const none = await gina('POST', '/issuers/authority/', { body: sig });
    expect(none.status).toBe(404);
    expect(none.body.status.description).toMatch(/no issuer/);
    const missing = await alice('POST', '/issuers/authority/', { body: { name: 'X', entityId: first.entityId } });
    expect(missing.status).toBe(400);
    expect(Object.keys(missing.body.fieldErrors).sort()).toEqual(['signature', 'title']);
    const gIssuer = (await gina('POST', '/issuers', { body: { name: 'Globex' } })).body.result;
    expect((await alice('POST', '/issuers/authority/', { body: { ...sig, entityId: gIssuer.entityId } })).status).toBe(
      404,
    );
    expect(
      (await gina('POST', '/issuers/authority/', { body: { ...sig, credential: cred.body.result.entityId } })).status,
    ).toBe(404);
  });

  it('narrowing allowed_template_tags may not break existing credential templates', async () => {
    const cred = await alice('POST', '/', {
      body: { name: 'Templated', issuer: first.entityId, html_template: '<p>{{recipient.name}} — {{issued_on}}</p>' },
    });
    expect(cred.status).toBe(201);
    const r = await alice('PUT', `/issuers/${first.entityId}`, { body: { allowed_template_tags: ['recipient'] } });
    expect(r.status).toBe(400);
    expect(r.body.validationErrors[0]).toContain(cred.body.result.entityId);
    expect(r.body.validationErrors[0]).toMatch(/issued_on/);
    expect(
      (
        await alice('PUT', `/issuers/${first.entityId}`, {
          body: { allowed_template_tags: ['recipient', 'issued_on'] },
        })
      ).status,
    ).toBe(200);
  });

  it('DELETE retires: Deleted envelope, then 404 and hidden, keys still published, no new credentials', async () => {
    const victim = (await alice('POST', '/issuers', { body: { name: 'Short-lived' } })).body.result;
    const cred = (await alice('POST', '/', { body: { name: 'Orphan?', issuer: victim.entityId } })).body.result;
    const r = await alice('DELETE', `/issuers/${victim.entityId}/`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: { success: true, description: 'Deleted' } });
    expect((await alice('GET', `/issuers/${victim.entityId}`)).status).toBe(404);
    expect((await alice('DELETE', `/issuers/${victim.entityId}`)).status).toBe(404);
    expect((await alice('PUT', `/issuers/${victim.entityId}`, { body: { name: 'Back' } })).status).toBe(404);
    expect((await alice('GET', '/issuers?limit=1000')).body.result.data.map((i: any) => i.entityId)).not.toContain(
      victim.entityId,
    );
    const retired = await catalogRepository(rt().db).getIssuerById(victim.entityId);
    expect(retired?.retired_at).toBeInstanceOf(Date);
    expect(await rt().issuerKeys.listPublicKeys(victim.entityId)).toHaveLength(1);
    const refused = await alice('POST', '/', { body: { name: 'Too late', issuer: victim.entityId } });
    expect(refused.status).toBe(400);
    expect(refused.body.fieldErrors.issuer).toBeDefined();
    // the credential it had still exists (its assertions must verify)
    expect((await alice('GET', `/${cred.entityId}`)).status).toBe(200);
  });
});
