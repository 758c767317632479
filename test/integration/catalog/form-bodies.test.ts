import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';

/**
 * Write routes take `application/x-www-form-urlencoded` and `multipart/form-data` bodies as a
 * Django REST Framework API does: the same fields, checked by the same schema, values coerced to
 * what the schema expects.
 */
describe('form bodies on the write routes', () => {
  let f: IssuanceFixture;
  let issuerId: string;
  const base = () => `${f.svc.url}/api/credentials/orgs/acme/users/alice`;
  const post = (path: string, body: URLSearchParams | FormData | string, headers: Record<string, string> = {}) =>
    fetch(`${base()}${path}`, {
      method: 'POST',
      headers: { authorization: `Token ${f.tokens.alice}`, ...headers },
      body,
    }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as any,
    }));
  const urlencoded = { 'content-type': 'application/x-www-form-urlencoded' };

  beforeAll(async () => {
    f = await startIssuanceService('pglite');
  });
  afterAll(() => f?.svc.stop());

  it('creates an issuer from a form-urlencoded body; repeated keys make a list', async () => {
    const form = new URLSearchParams([
      ['name', 'Form University'],
      ['email', 'registrar@form.example'],
      ['url', 'https://form.example'],
      ['signing_alg', 'RS256'],
      ['allowed_template_tags', 'recipient'],
      ['allowed_template_tags', 'credential.name'],
    ]);
    const r = await post('/issuers/', form, urlencoded);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.result).toMatchObject({
      name: 'Form University',
      email: 'registrar@form.example',
      url: 'https://form.example',
      signing_alg: 'RS256',
      allowed_template_tags: ['recipient', 'credential.name'],
    });
    issuerId = r.body.result.entityId;
    // One value for a list field is a list of one; `key[]` is a list too.
    const one = await post('/issuers/', 'name=Single&allowed_template_tags[]=recipient', urlencoded);
    expect(one.body.result.allowed_template_tags).toEqual(['recipient']);
    const bad = await post('/issuers/', 'name=Bad&email=not-an-email&url=ftp%3A%2F%2Fx', urlencoded);
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fieldErrors).sort()).toEqual(['email', 'url']);
  });

  it('creates a credential from a multipart body: booleans, numbers, lists and JSON objects coerced by the schema', async () => {
    const form = new FormData();
    form.set('name', 'Multipart Badge');
    form.set('issuer', issuerId);
    form.set('description', 'Made from a form');
    form.set('is_public', 'false');
    form.set('validity_days', '365');
    form.append('tags', 'forms');
    form.append('tags', 'drf');
    form.set('alignment', JSON.stringify([{ targetName: 'Forms 101', targetUrl: 'https://form.example/101' }]));
    form.append('skills[]', JSON.stringify({ name: 'Filling forms', url: 'https://form.example/skill' }));
    const r = await post('/', form);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.result).toMatchObject({
      name: 'Multipart Badge',
      issuer: issuerId,
      is_public: false,
      validity_days: 365,
      tags: ['forms', 'drf'],
      alignment: [{ targetName: 'Forms 101', targetUrl: 'https://form.example/101' }],
      skills: [{ name: 'Filling forms', url: 'https://form.example/skill' }],
    });

    const notBoolean = new FormData();
    notBoolean.set('name', 'X');
    notBoolean.set('issuer', issuerId);
    notBoolean.set('is_public', 'maybe');
    notBoolean.set('validity_days', 'ten');
    const bad = await post('/', notBoolean);
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fieldErrors).sort()).toEqual(['is_public', 'validity_days']);

    const brokenJson = new FormData();
    brokenJson.set('name', 'X');
    brokenJson.set('issuer', issuerId);
    brokenJson.set('alignment', '[{"targetName": ');
    const broken = await post('/', brokenJson);
    expect(broken.status).toBe(400);
    expect(broken.body.fieldErrors).toEqual({ alignment: ['must be a JSON array'] });
  });

  it('issues with the recipient object given as JSON text in a form field', async () => {
    const credential = await f.credential(issuerId);
    const r = await post(
      `/${credential}/assertions/`,
      new URLSearchParams({ recipient: JSON.stringify({ user_id: 'sam' }), narrative: 'by form' }),
      urlencoded,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.result.narrative ?? r.body.narrative).toBe('by form');
    const notObject = await post(`/${credential}/assertions/`, 'recipient=%7Bnope', urlencoded);
    expect(notObject.status).toBe(400);
    expect(notObject.body.fieldErrors).toEqual({ recipient: ['must be a JSON object'] });
  });

  it('a file part where only fields belong, a malformed multipart body, an oversized form: 4xx, never 500', async () => {
    const withFile = new FormData();
    withFile.set('name', 'Has a file');
    withFile.set('iconImage', new Blob([new Uint8Array([137, 80, 78, 71])], { type: 'image/png' }), 'icon.png');
    const file = await post('/issuers/', withFile);
    expect(file.status).toBe(400);
    expect(file.body.status.description).toMatch(/File uploads are not accepted/);
    const malformed = await post(
      '/issuers/',
      '--XYZ\r\nContent-Disposition: form-data; name="name"\r\n\r\nunterminated',
      {
        'content-type': 'multipart/form-data; boundary=XYZ',
      },
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.status.description).toMatch(/Malformed multipart/);
    const huge = await post('/issuers/', `name=${'x'.repeat(2 * 1024 * 1024)}`, urlencoded);
    expect(huge.status).toBe(413);
    const tooMany = await post('/issuers/', Array.from({ length: 1001 }, (_v, i) => `f${i}=1`).join('&'), urlencoded);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.status.description).toMatch(/at most 1000 fields/);
  });
});
