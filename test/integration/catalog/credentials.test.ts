import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from '../../support/databases.js';
import { startCatalogService, type CallAs, type CatalogFixture } from './catalog-fixture.js';
import { catalogRepository } from '../../../src/db/catalog-repository.js';

describe.each(DB_KINDS)('catalog: credentials (%s)', (db) => {
  let fx: CatalogFixture;
  let alice: CallAs;
  let sam: CallAs;
  let dora: CallAs;
  let gina: CallAs;
  let issuer: string;
  const rt = () => fx.svc.service.runtime;

  beforeAll(async () => {
    fx = await startCatalogService(db);
    alice = fx.as('alice');
    sam = fx.as('sam');
    dora = fx.as('dora');
    gina = fx.as('gina');
    issuer = (await alice('POST', '/issuers', { body: { name: 'Acme University' } })).body.result.entityId;
  });
  afterAll(() => fx?.svc.stop());

  const full = () => ({
    name: 'Data Analysis',
    description: 'Awarded for the data analysis course',
    issuer,
    credential_type: 'Certificate',
    html_template: '<h1>{{credential.name}}</h1>\n<p>{{recipient.name}}, {{issued_on}}</p>\n<img src="{{qr_code}}">',
    css_template: 'h1 { color: navy; }',
    icon_image: 'https://acme.example/icon.png',
    background_image: 'https://acme.example/bg.png',
    thumbnail_image: 'https://acme.example/thumb.png',
    criteria_url: 'https://acme.example/criteria',
    criteria_text: 'Pass every module.',
    issuing_signal: 'course_completed',
    course: 'DATA-301',
    program: 'data-science',
    is_public: true,
    validity_days: 365,
    tags: ['data', 'analysis'],
    alignment: [
      { targetName: 'ESCO data analysis', targetUrl: 'https://esco.example/skill/123', targetFramework: 'ESCO' },
    ],
    skills: [{ name: 'SQL', url: 'https://skills.example/sql' }],
  });

  let created: any;

  it('creates with every field and answers the credential object', async () => {
    const r = await alice('POST', '/', { body: full() });
    expect(r.status).toBe(201);
    expect(r.body.status).toEqual({ success: true, description: 'Created' });
    created = r.body.result;
    const { issuer: _i, ...rest } = full();
    expect(created).toMatchObject({ ...rest, issuer, org: 'acme', template_version: 1, signatories: [] });
    expect(created.entityId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const minimal = await alice('POST', '', { body: { name: 'Minimal', issuer } });
    expect(minimal.status).toBe(201);
    // A missing description is null, like every other missing optional text (issue 13).
    expect(minimal.body.result).toMatchObject({
      description: null,
      is_public: true,
      html_template: null,
      validity_days: null,
      tags: [],
      alignment: [],
      skills: [],
    });
    // form-style empty strings mean "none"
    const blanks = await alice('POST', '/', {
      body: { name: 'Blanks', issuer, icon_image: '', criteria_url: '', course: '' },
    });
    expect(blanks.status).toBe(201);
    expect(blanks.body.result).toMatchObject({ icon_image: null, criteria_url: null, course: null });
  });

  it('rejects bad input with field errors; an issuer of another org is unknown', async () => {
    const r = await alice('POST', '/', {
      body: { issuer, icon_image: 'javascript:alert(1)', validity_days: 0, tags: 'x' },
    });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.fieldErrors).sort()).toEqual(['icon_image', 'name', 'tags', 'validity_days']);
    expect((await alice('POST', '/', { body: { name: 'No issuer' } })).status).toBe(400);
    const gIssuer = (await gina('POST', '/issuers', { body: { name: 'Globex' } })).body.result.entityId;
    const foreign = await alice('POST', '/', { body: { name: 'Stolen', issuer: gIssuer } });
    expect(foreign.status).toBe(400);
    expect(foreign.body.fieldErrors.issuer[0]).toMatch(/no live issuer/);
    expect(
      (await alice('POST', '/', { body: { name: 'Alignment', issuer, alignment: [{ targetName: 'x' }] } })).status,
    ).toBe(400);
  });

  describe('template checks (400 naming the line or tag)', () => {
    const check = async (body: Record<string, unknown>, pattern: RegExp, field = 'html_template') => {
      const r = await alice('POST', '/', { body: { name: 'Templated', issuer, ...body } });
      expect(r.status).toBe(400);
      expect(r.body.status.success).toBe(false);
      expect(r.body.validationErrors.join('\n')).toMatch(pattern);
      expect(Object.keys(r.body.fieldErrors)).toContain(field);
      return r;
    };

    it('syntax error', async () => {
      await check(
        { html_template: '<p>ok</p>\n{{#if recipient.name}}\n<p>unclosed</p>' },
        /html_template line \d+: syntax error/,
      );
      await check({ html_template: '<p>{{recipient.name</p>' }, /html_template line 1: syntax error/);
    });

    it('a tag the issuer does not allow, and an unknown tag', async () => {
      const strict = (
        await alice('POST', '/issuers', { body: { name: 'Strict', allowed_template_tags: ['recipient.name'] } })
      ).body.result.entityId;
      const r = await alice('POST', '/', {
        body: { name: 'T', issuer: strict, html_template: '<p>{{recipient.name}}</p>\n<p>{{credential.name}}</p>' },
      });
      expect(r.status).toBe(400);
      expect(r.body.validationErrors).toEqual([
        expect.stringMatching(/html_template line 2: merge tag "credential\.name" is not allowed/),
      ]);
      expect(
        (await alice('POST', '/', { body: { name: 'T', issuer: strict, html_template: '<p>{{recipient.name}}</p>' } }))
          .status,
      ).toBe(201);
      await check({ html_template: '<p>{{recipient.shoe_size}}</p>' }, /unknown merge tag "recipient\.shoe_size"/);
    });

    it('a helper that does not exist', async () => {
      await check({ html_template: '<p>{{shout recipient.name}}</p>' }, /unknown helper "shout"/);
    });

    it('an oversized template', async () => {
      await check({ html_template: `<p>${'x'.repeat(300 * 1024)}</p>` }, /max 262144/);
      await check({ css_template: `p{}${' '.repeat(260 * 1024)}` }, /css_template.*max 262144/, 'css_template');
    });

    it('markup or CSS that loads from outside: src, href, url(), @import', async () => {
      await check(
        { html_template: '<img src="http://evil.example/x.png">' },
        /line 1: <img src="http:\/\/evil\.example\/x\.png"> loads from outside/,
      );
      await check({ html_template: '<p>a</p>\n<image href="file:///etc/passwd"></image>' }, /line 2: <image href=/);
      await check({ html_template: '<img src="//evil.example/x.png">' }, /protocol-relative/);
      await check(
        { html_template: '<div style="background: url(https://evil.example/bg.png)"></div>' },
        /url\(https:\/\/evil\.example\/bg\.png\)/,
      );
      await check(
        { css_template: 'body {\n  background: url("http://evil.example/bg.png");\n}' },
        /css_template line 2: url\(/,
        'css_template',
      );
      await check(
        { css_template: '@import url(https://fonts.example/x.css);' },
        /@import is not allowed/,
        'css_template',
      );
      await check({ html_template: '<script>alert(1)</script>' }, /<script> elements are not allowed/);
    });

    it("the service's own image URLs and data: images are fine", async () => {
      const own = `${fx.svc.url}/api/credentials/public/images/images/acme/logo.png`;
      const r = await alice('POST', '/', {
        body: {
          name: 'Own images',
          issuer,
          html_template: `<img src="${own}">\n<img src="data:image/png;base64,iVBORw0KGgo=">`,
          css_template: `body { background: url(${own}); }`,
        },
      });
      expect(r.status).toBe(201);
      // Another org's stored images are not the credential's to load: the renderer would refuse them.
      await check(
        { html_template: `<img src="${fx.svc.url}/api/credentials/public/images/images/globex/logo.png">` },
        /loads from outside/,
      );
      await check(
        { html_template: '<img src="/api/credentials/public/images/images/globex/logo.png">' },
        /outside the service's images/,
      );
    });

    it('checks on update too', async () => {
      const r = await alice('PUT', `/${created.entityId}`, { body: { html_template: '<p>{{nope}}</p>' } });
      expect(r.status).toBe(400);
      expect(r.body.validationErrors[0]).toMatch(/unknown merge tag "nope"/);
      expect((await alice('GET', `/${created.entityId}`)).body.result.html_template).toBe(full().html_template);
    });
  });

  it('updates the fields given; template_version goes up when anything changes, not for a no-op', async () => {
    const renamed = await alice('PUT', `/${created.entityId}/`, { body: { name: 'Data Analysis II', tags: ['data'] } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.status.description).toBe('Updated');
    expect(renamed.body.result).toMatchObject({
      name: 'Data Analysis II',
      tags: ['data'],
      template_version: 2,
      description: full().description,
    });
    const sameTemplate = await alice('PUT', `/${created.entityId}`, {
      body: { html_template: full().html_template, name: 'Data Analysis II' },
    });
    expect(sameTemplate.body.result.template_version).toBe(2);
    const css = await alice('PUT', `/${created.entityId}`, { body: { css_template: 'h1 { color: teal; }' } });
    expect(css.body.result.template_version).toBe(3);
    const cleared = await alice('PUT', `/${created.entityId}`, {
      body: { html_template: null, css_template: null, validity_days: null, tags: null, skills: null },
    });
    expect(cleared.body.result).toMatchObject({
      html_template: null,
      css_template: null,
      validity_days: null,
      template_version: 4,
      tags: [],
      skills: [],
    });
    expect((await alice('PUT', '/nope', { body: { name: 'x' } })).status).toBe(404);
  });

  it('students see public credentials only; admins all', async () => {
    const hidden = (await alice('POST', '/', { body: { name: 'Staff only', issuer, is_public: false } })).body.result;
    expect((await sam('GET', `/${hidden.entityId}`)).status).toBe(404);
    expect((await dora('GET', `/${hidden.entityId}`)).status).toBe(200);
    const names = async (call: CallAs) =>
      (await call('GET', '/?page_size=100')).body.result.data.map((c: any) => c.name);
    expect(await names(sam)).not.toContain('Staff only');
    expect(await names(dora)).toContain('Staff only');
    expect(await names(alice)).toContain('Staff only');
    expect((await sam('GET', `/${created.entityId}`)).status).toBe(200);
  });

  it('only platform admins write (403); another org gets 404', async () => {
    for (const call of [sam, dora]) {
      expect((await call('POST', '/', { body: { name: 'x', issuer } })).status).toBe(403);
      expect((await call('PUT', `/${created.entityId}`, { body: { name: 'x' } })).status).toBe(403);
      expect((await call('DELETE', `/${created.entityId}`)).status).toBe(403);
    }
    expect((await gina('GET', `/${created.entityId}`)).status).toBe(404);
    expect((await gina('PUT', `/${created.entityId}`, { body: { name: 'x' } })).status).toBe(404);
    expect((await gina('DELETE', `/${created.entityId}`)).status).toBe(404);
    expect(await catalogRepository(rt().db).getCredential('globex', created.entityId)).toBeUndefined();
    expect((await alice('GET', `/${created.entityId}`)).body.result.name).toBe('Data Analysis II');
  });

  it("platform_org takes precedence but must be the caller's org", async () => {
    const r = await alice('GET', '/?platform_org=acme');
    expect(r.status).toBe(200);
    expect(r.body.result.count).toBeGreaterThan(0);
    expect((await alice('GET', '/?platform_org=globex')).status).toBe(403);
    expect((await alice('GET', '/?platform_org=nowhere')).status).toBe(404);
    expect((await alice('POST', '/?platform_org=globex', { body: { name: 'x', issuer } })).status).toBe(403);
  });

  describe('list: pagination, search, course and program', () => {
    let fresh: CallAs;
    let freshIssuer: string;
    beforeAll(async () => {
      // globex has nothing yet but one issuer: a clean slate for exact counts
      fresh = gina;
      freshIssuer = (await gina('GET', '/issuers')).body.result.data[0].entityId;
    });

    it('empty list', async () => {
      const r = await fresh('GET', '/');
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        status: { success: true, description: 'Ok' },
        result: { next: null, previous: null, count: 0, data: [], num_pages: 1, page_number: 1, max_page_size: 100 },
      });
    });

    it('pages with next/previous URLs; the last page; past the end is 404; page_size clamped at 100', async () => {
      for (let i = 1; i <= 5; i++) {
        const body = {
          name: `Badge ${i}`,
          issuer: freshIssuer,
          description: i === 4 ? 'Contains the word Zebra' : 'plain',
          course: i <= 3 ? 'C-1' : 'C-2',
          program: i % 2 ? 'odd' : 'even',
        };
        expect((await fresh('POST', '/', { body })).status).toBe(201);
      }
      const p1 = await fresh('GET', '/?page_size=2');
      expect(p1.body.result).toMatchObject({
        count: 5,
        num_pages: 3,
        page_number: 1,
        previous: null,
        max_page_size: 100,
      });
      expect(p1.body.result.data.map((c: any) => c.name)).toEqual(['Badge 5', 'Badge 4']);
      const next = new URL(p1.body.result.next);
      expect(next.origin + next.pathname).toBe(`${fx.svc.url}/api/credentials/orgs/globex/users/gina/`);
      expect(Object.fromEntries(next.searchParams)).toEqual({ page_size: '2', page: '2' });

      const p3 = await fresh('GET', '/?page_size=2&page=3');
      expect(p3.body.result).toMatchObject({ count: 5, page_number: 3, next: null });
      expect(p3.body.result.data.map((c: any) => c.name)).toEqual(['Badge 1']);
      expect(Object.fromEntries(new URL(p3.body.result.previous).searchParams)).toEqual({ page_size: '2', page: '2' });
      const p2 = await fresh('GET', '/?page_size=2&page=2');
      expect(new URL(p2.body.result.previous).searchParams.has('page')).toBe(false);

      const past = await fresh('GET', '/?page_size=2&page=4');
      expect(past.status).toBe(404);
      expect(past.body.status.description).toBe('Invalid page.');
      expect((await fresh('GET', '/?page=0')).status).toBe(400);
      const big = await fresh('GET', '/?page_size=500');
      expect(big.body.result).toMatchObject({ count: 5, num_pages: 1, max_page_size: 100 });
    });

    it('search (name and description), course, program', async () => {
      const names = async (q: string) => (await fresh('GET', `/?${q}`)).body.result.data.map((c: any) => c.name).sort();
      expect(await names('search=badge%203')).toEqual(['Badge 3']);
      expect(await names('search=zebra')).toEqual(['Badge 4']);
      expect(await names('search=100%25')).toEqual([]);
      expect(await names('course=C-2')).toEqual(['Badge 4', 'Badge 5']);
      expect(await names('program=odd')).toEqual(['Badge 1', 'Badge 3', 'Badge 5']);
      expect(await names('course=C-1&program=even')).toEqual(['Badge 2']);
      expect(await names('search=')).toHaveLength(5);
    });

    it('course-credentials groups by course with limit/offset/search', async () => {
      const all = await fresh('GET', '/course-credentials/');
      expect(all.status).toBe(200);
      expect(all.body.result).toMatchObject({ count: 2, next: null, previous: null, max_page_size: 100 });
      expect(all.body.result.data.map((g: any) => [g.course, g.credentials.map((c: any) => c.name)])).toEqual([
        ['C-1', ['Badge 1', 'Badge 2', 'Badge 3']],
        ['C-2', ['Badge 4', 'Badge 5']],
      ]);
      const first = await fresh('GET', '/course-credentials?limit=1');
      expect(first.body.result.data.map((g: any) => g.course)).toEqual(['C-1']);
      expect(new URL(first.body.result.next).searchParams.get('offset')).toBe('1');
      const second = await fresh('GET', '/course-credentials?limit=1&offset=1');
      expect(second.body.result).toMatchObject({ next: null, page_number: 2 });
      expect(second.body.result.data.map((g: any) => g.course)).toEqual(['C-2']);
      expect(new URL(second.body.result.previous).searchParams.get('offset')).toBe('0');
      const search = await fresh('GET', '/course-credentials?search=c-2');
      expect(search.body.result.data.map((g: any) => g.course)).toEqual(['C-2']);
      const none = await fresh('GET', '/course-credentials?search=nothing');
      expect(none.body.result).toMatchObject({ count: 0, data: [] });
    });

    it('course-credentials hides private credentials from students', async () => {
      await alice('POST', '/', { body: { name: 'Secret course badge', issuer, course: 'SECRET', is_public: false } });
      const courses = async (call: CallAs) =>
        (await call('GET', '/course-credentials?limit=100')).body.result.data.map((g: any) => g.course);
      expect(await courses(sam)).not.toContain('SECRET');
      expect(await courses(alice)).toContain('SECRET');
      expect(await courses(sam)).toContain('DATA-301');
    });
  });

  it('DELETE is 204, soft: hidden afterwards, the row stays for issued assertions', async () => {
    const victim = (await alice('POST', '/', { body: { name: 'Doomed', issuer } })).body.result;
    const r = await alice('DELETE', `/${victim.entityId}/`);
    expect(r.status).toBe(204);
    expect(r.body).toBeUndefined();
    expect((await alice('GET', `/${victim.entityId}`)).status).toBe(404);
    expect((await alice('PUT', `/${victim.entityId}`, { body: { name: 'Back' } })).status).toBe(404);
    expect((await alice('DELETE', `/${victim.entityId}`)).status).toBe(404);
    expect((await alice('GET', '/?search=doomed')).body.result.count).toBe(0);
    expect((await catalogRepository(rt().db).getCredentialById(victim.entityId))?.deleted_at).toBeInstanceOf(Date);
    expect(await catalogRepository(rt().db).getCredential('acme', victim.entityId)).toBeUndefined();
  });

  it('the {entity_id} route does not swallow the other routes', async () => {
    expect((await alice('GET', '/issuers')).body.result.data).toBeInstanceOf(Array);
    expect((await alice('GET', '/course-credentials')).body.result.data).toBeInstanceOf(Array);
    expect((await alice('GET', '/images?query=x')).body).toEqual([]);
    expect((await alice('GET', '/no-such-credential')).status).toBe(404);
  });
});
