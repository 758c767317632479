import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z, type ZodType } from 'zod';
import { startIssuanceService, type IssuanceFixture } from '../integration/issuance/issuance-fixture.js';
import { assertionObjectSchema } from '../../src/issuance/assertion-format.js';
import { credentialObjectSchema } from '../../src/catalog/catalog-objects.js';
import { envelopeSchema, errorEnvelopeSchema } from '../../src/http/envelope.js';
import { pageSchema } from '../../src/http/pagination.js';
import { bulkQueuedSchema, bulkResultSchema } from '../../src/http/routes/assertions.js';

/**
 * The credentials API as ../shared/seeds/credentials-api.md documents it, endpoint by endpoint:
 * the documented request, the documented answer's shape (the response schemas the OpenAPI
 * document is built from, made strict where the seed fixes the keys) and, beside the schemas, the
 * seed's field names spelled out, so that a schema drifting with the code cannot pass unnoticed.
 * Not here: the three *-over-time analytics routes and `issuers/…` (tested with their own work).
 */
const ENVELOPE_KEYS = ['status', 'result'];
const PAGE_KEYS = ['next', 'previous', 'count', 'data', 'num_pages', 'page_number', 'max_page_size'];
/** The AssertionSerializer fields the reference documents. */
const ASSERTION_KEYS = [
  'entityId',
  'issuedOn',
  'credentialDetails',
  'recipient',
  'metadata',
  'course',
  'program',
  'narrative',
  'revoked',
  'revocationReason',
  'acceptance',
  'expires',
];
const CREDENTIAL_KEYS = [
  'entityId',
  'name',
  'description',
  'issuer',
  'credential_type',
  'html_template',
  'css_template',
  'icon_image',
  'background_image',
  'thumbnail_image',
  'criteria_url',
  'criteria_text',
  'issuing_signal',
];
const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

function expectShape(schema: ZodType, body: unknown): void {
  const r = schema.safeParse(body);
  expect(
    r.success,
    r.success ? '' : JSON.stringify(r.error.issues.slice(0, 5)) + '\n' + JSON.stringify(body).slice(0, 800),
  ).toBe(true);
}
const keysOf = (o: unknown) => Object.keys(o as object);

describe('credentials API contract (seed: credentials-api.md)', () => {
  let f: IssuanceFixture;
  let issuerId: string;
  let credentialId: string;
  const alice = () => f.as('alice');

  beforeAll(async () => {
    f = await startIssuanceService('pglite', { ISSUE_WAIT_MS: '8000' });
    issuerId = await f.issuer();
    credentialId = await f.credential(issuerId, { course: 'COURSE-1', program: 'PROGRAM-1' });
  });
  afterAll(() => f?.svc.stop());

  describe('credentials_orgs_users_retrieve / _create: GET and POST /orgs/{org}/users/{user_id}/', () => {
    it('POST: {status: {success, description: "Created"}, result: {credential object}}', async () => {
      const r = await alice()('POST', '/', {
        body: {
          name: 'Seed Credential',
          issuer: issuerId,
          credential_type: 'certificate',
          criteria_text: 'Do the thing',
          issuing_signal: 'course_completed',
        },
      });
      expect(r.status).toBe(201);
      expectShape(envelopeSchema(credentialObjectSchema.strict(), 'Created').strict(), r.body);
      expect(r.body.status).toEqual({ success: true, description: 'Created' });
      expect(keysOf(r.body)).toEqual(ENVELOPE_KEYS);
      expect(keysOf(r.body.result)).toEqual(expect.arrayContaining(CREDENTIAL_KEYS));
      // A missing description is null, not "".
      expect(r.body.result.description).toBeNull();
      expect(r.body.result).toMatchObject({
        name: 'Seed Credential',
        issuer: issuerId,
        credential_type: 'certificate',
        issuing_signal: 'course_completed',
      });
    });

    it('GET: the envelope around a page {next, previous, count, data, num_pages, page_number, max_page_size}', async () => {
      const r = await alice()('GET', '/?page=1&page_size=1');
      expect(r.status).toBe(200);
      expectShape(envelopeSchema(pageSchema(credentialObjectSchema.strict()).strict(), 'Ok').strict(), r.body);
      expect(keysOf(r.body)).toEqual(ENVELOPE_KEYS);
      expect(keysOf(r.body.result).sort()).toEqual([...PAGE_KEYS].sort());
      expect(r.body.result).toMatchObject({ page_number: 1, max_page_size: 100 });
      expect(r.body.result.next).toMatch(/^http.*page=2/);
      const byCourse = await alice()('GET', '/?course=COURSE-1&program=PROGRAM-1&search=Teamwork&platform_org=acme');
      expect(byCourse.body.result.data.map((c: { entityId: string }) => c.entityId)).toEqual([credentialId]);
    });

    it('page_size=0 or missing is the default (10); bad values are 400', async () => {
      for (let i = 0; i < 10; i++) await alice()('POST', '/', { body: { name: `Filler ${i}`, issuer: issuerId } });
      for (const q of ['', '?page_size=0', '?page_size=']) {
        const r = await alice()('GET', `/${q}`);
        expect(r.status, q).toBe(200);
        expect(r.body.result.data, q).toHaveLength(10);
      }
      expect((await alice()('GET', '/?page_size=-1')).status).toBe(400);
      expect((await alice()('GET', '/?page_size=abc')).status).toBe(400);
      expect((await alice()('GET', '/?page=0')).status).toBe(400);
    });

    it('bad input: 400 with field errors; 401 without a token; 403 another org; 404 an unknown org', async () => {
      const noName = await alice()('POST', '/', { body: { issuer: issuerId } });
      expect(noName.status).toBe(400);
      expectShape(errorEnvelopeSchema, noName.body);
      expect(noName.body.fieldErrors.name).toBeTruthy();
      expect((await f.svc.api('GET', '/api/credentials/orgs/acme/users/alice/', { token: null })).status).toBe(401);
      expect(
        (await f.svc.api('GET', '/api/credentials/orgs/globex/users/alice/', { token: f.tokens.alice })).status,
      ).toBe(403);
      expect(
        (await f.svc.api('GET', '/api/credentials/orgs/nowhere/users/alice/', { token: f.tokens.alice })).status,
      ).toBe(404);
    });

    it('alignment targetType: the OB 3.0 enumeration or an ext: term is kept; anything else is 400, never dropped', async () => {
      const alignment = (targetType: string) => [
        { targetName: 'Teamwork', targetUrl: 'https://frameworks.example.org/t', targetType },
      ];
      for (const targetType of ['ceasn:Competency', 'CFItem', 'ext:SkillsFramework']) {
        const r = await alice()('POST', '/', {
          body: { name: `Aligned ${targetType}`, issuer: issuerId, alignment: alignment(targetType) },
        });
        expect(r.status, targetType).toBe(201);
        expect(r.body.result.alignment[0].targetType).toBe(targetType);
      }
      for (const targetType of ['Competency', 'skill', 'ext:', 'ext:has space']) {
        const r = await alice()('POST', '/', {
          body: { name: 'Misaligned', issuer: issuerId, alignment: alignment(targetType) },
        });
        expect(r.status, targetType).toBe(400);
        expect(r.body.status.description, targetType).toMatch(/targetType/);
      }
    });
  });

  describe('credentials_orgs_users_retrieve_2 / _update / _destroy: /orgs/{org}/users/{user_id}/{entity_id}', () => {
    it('GET: {status: Ok, result: {credential object}}; PUT: Updated; DELETE: 204; unknown: 404', async () => {
      const got = await alice()('GET', `/${credentialId}`);
      expect(got.status).toBe(200);
      expectShape(envelopeSchema(credentialObjectSchema.strict(), 'Ok').strict(), got.body);
      expect(got.body.result).toMatchObject({
        entityId: credentialId,
        name: 'Teamwork',
        course: 'COURSE-1',
        program: 'PROGRAM-1',
      });

      const temp = (await alice()('POST', '/', { body: { name: 'Temporary', description: 'd', issuer: issuerId } }))
        .body.result.entityId;
      const put = await alice()('PUT', `/${temp}`, { body: { name: 'Renamed', description: '' } });
      expect(put.status).toBe(200);
      expectShape(envelopeSchema(credentialObjectSchema.strict(), 'Updated').strict(), put.body);
      expect(put.body.status.description).toBe('Updated');
      expect(put.body.result).toMatchObject({ name: 'Renamed', description: null });
      const del = await alice()('DELETE', `/${temp}`);
      expect(del.status).toBe(204);
      expect((await alice()('GET', `/${temp}`)).status).toBe(404);
      expect((await alice()('PUT', '/no-such-credential', { body: { name: 'x' } })).status).toBe(404);
      expect((await f.as('sam')('PUT', `/${credentialId}`, { body: { name: 'x' } })).status).toBe(403);
    });
  });

  describe('credentials_orgs_users_assertions_create: POST …/{entity_id}/assertions/', () => {
    it("today's body: recipient {user_id}: 201 with the AssertionSerializer format in the envelope", async () => {
      const r = await alice()('POST', `/${credentialId}/assertions/`, {
        body: { recipient: { user_id: 'sam' }, narrative: 'Well done', fields: { grade: 'A' } },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expectShape(envelopeSchema(assertionObjectSchema.strict(), 'Created').strict(), r.body);
      const a = r.body.result;
      expect(keysOf(a)).toEqual(expect.arrayContaining(ASSERTION_KEYS));
      expect(a).toMatchObject({
        narrative: 'Well done',
        revoked: false,
        revocationReason: null,
        acceptance: 'Unaccepted',
        expires: null,
        metadata: { grade: 'A' },
        course: { id: 'COURSE-1' },
        program: { id: 'PROGRAM-1' },
        credentialDetails: {
          entityId: credentialId,
          name: 'Teamwork',
          description: 'Works well with others.',
          credential_type: 'badge',
          image: 'https://acme.example.org/teamwork.png',
          criteria_text: 'Nominated by two peers.',
          issuer: issuerId,
        },
        recipient: { type: 'email', hashed: true, plaintextIdentity: 'Sam@Example.com' },
      });
      expect(typeof a.issuedOn).toBe('string');
    });

    it('Badgr\'s recipient {identity, type: "email"} and a top-level username / user_id / email', async () => {
      const cred = await f.credential(issuerId, { name: 'Shapes' });
      const badgr = await alice()('POST', `/${cred}/assertions/`, {
        body: { recipient: { identity: 'sue@example.com', type: 'email' } },
      });
      expect(badgr.status, JSON.stringify(badgr.body)).toBe(201);
      expect(badgr.body.result).toMatchObject({ user_id: 'sue', recipient: { plaintextIdentity: 'sue@example.com' } });
      const username = await alice()('POST', `/${cred}/assertions/`, { body: { username: 'sam' } });
      expect(username.status, JSON.stringify(username.body)).toBe(201);
      expect(username.body.result.user_id).toBe('sam');
      // The same recipient again, by top-level user_id and by email: the award they hold (200).
      const byId = await alice()('POST', `/${cred}/assertions/`, { body: { user_id: 'sam' } });
      expect(byId.status).toBe(200);
      expect(byId.body.result.entityId).toBe(username.body.result.entityId);
      const byEmail = await alice()('POST', `/${cred}/assertions/`, { body: { email: 'sue@example.com' } });
      expect(byEmail.status).toBe(200);
      expect(byEmail.body.result.entityId).toBe(badgr.body.result.entityId);
      const byType = await alice()('POST', `/${cred}/assertions/`, {
        body: { recipient: { identity: 'sam', type: 'id' } },
      });
      expect(byType.body.result.entityId).toBe(username.body.result.entityId);
      const echoed = { identity: 'sha256$00', type: 'email', hashed: true, plaintextIdentity: 'sue@example.com' };
      const byPlaintext = await alice()('POST', `/${cred}/assertions/`, { body: { recipient: echoed } });
      expect(byPlaintext.body.result.entityId).toBe(badgr.body.result.entityId);
    });

    it('bad recipients are 400 with the field named', async () => {
      const bad = async (body: unknown, field: RegExp) => {
        const r = await alice()('POST', `/${credentialId}/assertions/`, { body });
        expect(r.status, JSON.stringify(body)).toBe(400);
        expectShape(errorEnvelopeSchema, r.body);
        expect(Object.keys(r.body.fieldErrors).join(','), JSON.stringify(body)).toMatch(field);
      };
      await bad({}, /recipient/);
      await bad({ recipient: { identity: 'not-an-email', type: 'email' } }, /recipient\.identity/);
      await bad({ recipient: { identity: 'x@example.org', type: 'telephone' } }, /recipient\.type/);
      await bad({ recipient: { identity: 'sha256$abc', type: 'email', hashed: true } }, /recipient\.hashed/);
      await bad({ username: 'sam', user_id: 'sue' }, /user_id/);
      await bad({ email: 'not-an-email' }, /email/);
      expect((await alice()('POST', '/no-such-credential/assertions/', { body: { username: 'sam' } })).status).toBe(
        404,
      );
      expect((await f.as('sam')('POST', `/${credentialId}/assertions/`, { body: { username: 'sam' } })).status).toBe(
        403,
      );
    });
  });

  describe('credentials_orgs_users_assertions_retrieve_3: GET …/{entity_id}/assertions/', () => {
    it('a bare page of AssertionSerializer objects (no envelope)', async () => {
      const r = await alice()('GET', `/${credentialId}/assertions/?page_size=0`);
      expect(r.status).toBe(200);
      expectShape(pageSchema(assertionObjectSchema.strict()).strict(), r.body);
      expect(keysOf(r.body).sort()).toEqual([...PAGE_KEYS].sort());
      expect(r.body).not.toHaveProperty('status');
      expect(r.body.count).toBeGreaterThan(0);
      expect(keysOf(r.body.data[0])).toEqual(expect.arrayContaining(ASSERTION_KEYS));
      expect(r.body.data[0].credentialDetails.entityId).toBe(credentialId);
      expect((await f.as('sam')('GET', `/${credentialId}/assertions/`)).status).toBe(403);
      expect((await alice()('GET', '/no-such-credential/assertions/')).status).toBe(404);
    });
  });

  describe('credentials_orgs_users_assertions_bulk_create: POST …/{entity_id}/assertions/bulk/', () => {
    it('answers the bare {"skipped": [...], "issued": [...]} (and failed)', async () => {
      const cred = await f.credential(issuerId, { name: 'Bulk' });
      await alice()('POST', `/${cred}/assertions/`, { body: { username: 'sam' } });
      const r = await alice()('POST', `/${cred}/assertions/bulk/`, { body: { users: ['sam', 'sue', 'ghost'] } });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expectShape(bulkResultSchema.strict(), r.body);
      expect(keysOf(r.body).sort()).toEqual(['failed', 'issued', 'skipped']);
      expect(r.body).toEqual({
        skipped: ['sam'],
        issued: ['sue'],
        failed: [{ user: 'ghost', reason: 'Unknown user "ghost".' }],
      });
      const again = await alice()('POST', `/${cred}/assertions/bulk/`, { body: { users: ['sam', 'sue'] } });
      expect(again.status).toBe(200);
      expect(again.body.skipped.sort()).toEqual(['sam', 'sue']);
    });

    it('a long bulk: 202 with its job and status URL, and empty skipped / issued lists a seed client can read', async () => {
      const cred = await f.credential(issuerId, { name: 'Bulk later' });
      const queue = f.svc.service.runtime.queues.issuance;
      await queue.pause();
      let r;
      try {
        r = await alice()('POST', `/${cred}/assertions/bulk/`, { body: { users: ['sam'] } });
      } finally {
        await queue.resume();
      }
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      expectShape(bulkQueuedSchema.strict(), r.body);
      expect(r.body).toMatchObject({ skipped: [], issued: [], failed: [] });
      expect(r.body.status_url).toMatch(new RegExp(`/jobs/${r.body.job_id}$`));
    });

    it('bad input: 400 missing or empty users, 404 unknown credential, 403 not an admin', async () => {
      expect((await alice()('POST', `/${credentialId}/assertions/bulk/`, { body: {} })).status).toBe(400);
      expect((await alice()('POST', `/${credentialId}/assertions/bulk/`, { body: { users: [] } })).status).toBe(400);
      expect((await alice()('POST', '/no-such-credential/assertions/bulk/', { body: { users: ['sam'] } })).status).toBe(
        404,
      );
      expect(
        (await f.as('sam')('POST', `/${credentialId}/assertions/bulk/`, { body: { users: ['sam'] } })).status,
      ).toBe(403);
    });
  });

  describe('credentials_orgs_users_assertions_retrieve: GET /orgs/{org}/users/{user_id}/assertions/', () => {
    it("the caller's own: a bare page of AssertionSerializer objects, with the seed's filters", async () => {
      const r = await f.as('sam')(
        'GET',
        '/assertions/?course=COURSE-1&include_revoked=false&include_expired=false&exclude_main_tenant_assertions=false',
      );
      expect(r.status).toBe(200);
      expectShape(pageSchema(assertionObjectSchema.strict()).strict(), r.body);
      expect(r.body).not.toHaveProperty('status');
      expect(r.body.data.map((a: { course: { id: string } }) => a.course.id)).toEqual(['COURSE-1']);
      expect((await f.as('sam')('GET', '/assertions/?include_revoked=maybe')).status).toBe(400);
    });

    it('"the user ID to retrieve assertions for": admins read another user\'s; students only their own; unknown user 404', async () => {
      const asAdmin = await f.svc.api('GET', '/api/credentials/orgs/acme/users/sam/assertions/', {
        token: f.tokens.alice,
      });
      expect(asAdmin.status).toBe(200);
      expectShape(pageSchema(assertionObjectSchema.strict()).strict(), asAdmin.body);
      expect(asAdmin.body.count).toBeGreaterThan(0);
      expect(asAdmin.body.data.every((a: { user_id: string }) => a.user_id === 'sam')).toBe(true);
      // Department admins: within their departments (sam is in d1, sue is not).
      expect(
        (await f.svc.api('GET', '/api/credentials/orgs/acme/users/sam/assertions/', { token: f.tokens.dora })).status,
      ).toBe(200);
      expect(
        (await f.svc.api('GET', '/api/credentials/orgs/acme/users/sue/assertions/', { token: f.tokens.dora })).status,
      ).toBe(403);
      // Students: their own only.
      expect(
        (await f.svc.api('GET', '/api/credentials/orgs/acme/users/sam/assertions/', { token: f.tokens.sue })).status,
      ).toBe(403);
      const unknown = await f.svc.api('GET', '/api/credentials/orgs/acme/users/nobody/assertions/', {
        token: f.tokens.alice,
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body.status.description).toMatch(/nobody/);
      // The org check stays: another org's admin is refused, an unknown org is 404.
      expect(
        (await f.svc.api('GET', '/api/credentials/orgs/acme/users/sam/assertions/', { token: f.tokens.gina })).status,
      ).toBe(403);
      expect(
        (await f.svc.api('GET', '/api/credentials/orgs/nowhere/users/sam/assertions/', { token: f.tokens.alice }))
          .status,
      ).toBe(404);
      // Other routes still require the path user to be the caller.
      expect(
        (await f.svc.api('GET', `/api/credentials/orgs/acme/users/sam/${credentialId}`, { token: f.tokens.alice }))
          .status,
      ).toBe(403);
    });
  });

  describe('credentials_orgs_users_assertions_retrieve_2 / _update: …/assertions/{entity_id}', () => {
    it('GET and PUT answer the AssertionSerializer format; revoking needs a reason', async () => {
      const cred = await f.credential(issuerId, { name: 'Revocable' });
      const issued = (await alice()('POST', `/${cred}/assertions/`, { body: { username: 'sue' } })).body.result;
      const got = await alice()('GET', `/assertions/${issued.entityId}`);
      expect(got.status).toBe(200);
      expectShape(envelopeSchema(assertionObjectSchema.strict(), 'Ok').strict(), got.body);
      expect(keysOf(got.body.result)).toEqual(expect.arrayContaining(ASSERTION_KEYS));
      expect((await alice()('PUT', `/assertions/${issued.entityId}`, { body: { revoked: true } })).status).toBe(400);
      const put = await alice()('PUT', `/assertions/${issued.entityId}`, {
        body: { revoked: true, revocationReason: 'Issued in error' },
      });
      expect(put.status).toBe(200);
      expectShape(envelopeSchema(assertionObjectSchema.strict(), 'Updated').strict(), put.body);
      expect(put.body.result).toMatchObject({
        revoked: true,
        revocationReason: 'Issued in error',
        acceptance: 'Unaccepted',
      });
      expect((await alice()('GET', '/assertions/no-such-assertion')).status).toBe(404);
    });
  });

  describe('credentials_public_assertions_retrieve: GET /api/credentials/public/assertions/{entity_id}/', () => {
    it("the AssertionSerializer format without the recipient's address; unknown: 404 with an empty body; revoked: 404 with the reason", async () => {
      const cred = await f.credential(issuerId, { name: 'Public' });
      const issued = (
        await alice()('POST', `/${cred}/assertions/`, { body: { username: 'sam', fields: { grade: 'B' } } })
      ).body.result;
      const pub = await f.get(`${f.svc.url}/api/credentials/public/assertions/${issued.entityId}/`, {
        accept: 'application/json',
      });
      expect(pub.status).toBe(200);
      expectShape(envelopeSchema(assertionObjectSchema.strict(), 'Ok'), pub.json);
      expect(keysOf(pub.json.result)).toEqual(expect.arrayContaining(ASSERTION_KEYS));
      expect(pub.json.result.recipient).not.toHaveProperty('plaintextIdentity');
      expect(pub.json.result.metadata).toEqual({});
      expect(pub.text).not.toMatch(/example\.com/i);

      const unknown = await fetch(`${f.svc.url}/api/credentials/public/assertions/no-such-assertion/`, {
        headers: { accept: 'application/json', origin: 'https://wallet.example' },
      });
      expect(unknown.status).toBe(404);
      expect(await unknown.text()).toBe('');
      expect(unknown.headers.get('access-control-allow-origin')).toBe('*');

      await alice()('PUT', `/assertions/${issued.entityId}`, {
        body: { revoked: true, revocationReason: 'Withdrawn' },
      });
      // The public JSON is reused in-process for up to a second (micro-cache): past it, the revocation shows.
      await new Promise((r) => setTimeout(r, 1100));
      const revoked = await f.get(`${f.svc.url}/api/credentials/public/assertions/${issued.entityId}/`, {
        accept: 'application/json',
      });
      expect(revoked.status).toBe(404);
      expect(revoked.json).toMatchObject({ detail: expect.any(String), revocationReason: 'Withdrawn' });
    });
  });

  describe('an issuer without email (OB 2.0 requires one)', () => {
    it('creating it answers a warning; its credentials get no OB 2.0 documents until it has an email', async () => {
      const created = await alice()('POST', '/issuers/', { body: { name: 'No Mail Institute' } });
      expect(created.status).toBe(201);
      expect(created.body.warnings).toEqual([expect.stringMatching(/email.*OB 2\.0|OB 2\.0.*email/)]);
      expect(created.body.result.description).toBeNull();
      const withMail = await alice()('POST', '/issuers/', {
        body: { name: 'Mail Institute', email: 'x@mail.example.org' },
      });
      expect(withMail.body).not.toHaveProperty('warnings');

      const noMail = created.body.result.entityId as string;
      const cred = await f.credential(noMail, { name: 'Mailless' });
      const a = (await alice()('POST', `/${cred}/assertions/`, { body: { username: 'sam' } })).body.result;
      expect(a.ob2).toBeNull();
      const pub = (p: string) => f.get(`${f.svc.url}/api/credentials/public/${p}`);
      expect((await pub(`assertions/${a.entityId}/ob2`)).status).toBe(404);
      expect((await pub(`assertions/${a.entityId}/ob2`)).json.status.description).toMatch(/email/);
      expect((await pub(`issuers/${noMail}/ob2`)).status).toBe(404);
      expect((await pub(`credentials/${cred}/ob2`)).status).toBe(404);
      // The verification page links no OB 2.0 document; one of an issuer with email does.
      expect((await f.get(`${f.svc.url}/v/${a.entityId}`)).text).not.toContain('data-link="ob2"');
      const mailCred = await f.credential(withMail.body.result.entityId, { name: 'Mailed' });
      const b = (await alice()('POST', `/${mailCred}/assertions/`, { body: { username: 'sam' } })).body.result;
      expect((await f.get(`${f.svc.url}/v/${b.entityId}`)).text).toContain('data-link="ob2"');
      // The OB 3.0 documents are unaffected.
      expect((await pub(`assertions/${a.entityId}/credential.json`)).status).toBe(200);
      expect((await pub(`issuers/${noMail}`)).status).toBe(200);

      expect((await alice()('PUT', `/issuers/${noMail}`, { body: { email: 'late@mail.example.org' } })).status).toBe(
        200,
      );
      expect((await pub(`assertions/${a.entityId}/ob2`)).status).toBe(200);
      expect((await alice()('GET', `/assertions/${a.entityId}`)).body.result.ob2).toMatch(/\/ob2$/);
    });
  });

  describe('assignments', () => {
    it('users: POST 201 and GET a page in the envelope; groups: POST 201 and GET; DELETE 204 (admins only)', async () => {
      expect(
        (
          await f.svc.api('PUT', '/api/admin/orgs/acme/groups/g1', {
            body: { name: 'Group One', department: 'd1', members: ['sam'] },
          })
        ).status,
      ).toBe(200);
      const users = await alice()('POST', '/assignments/users/', {
        body: { credential: credentialId, users: ['sue'] },
      });
      expect(users.status).toBe(201);
      expect(users.body.status).toEqual({ success: true, description: 'Created' });
      const list = await alice()('GET', '/assignments/users/');
      expect(list.status).toBe(200);
      expect(keysOf(list.body)).toEqual(ENVELOPE_KEYS);
      expect(keysOf(list.body.result).sort()).toEqual([...PAGE_KEYS].sort());
      const groups = await alice()('POST', '/assignments/groups/', { body: { credential: credentialId, group: 'g1' } });
      expect(groups.status).toBe(201);
      const groupList = await alice()('GET', '/assignments/groups/');
      expect(groupList.status).toBe(200);
      expect(keysOf(groupList.body.result).sort()).toEqual([...PAGE_KEYS].sort());
      const id = list.body.result.data[0].entityId;
      expect((await f.as('sam')('DELETE', `/assignments/${id}`)).status).toBe(403);
      expect((await alice()('DELETE', `/assignments/${id}`)).status).toBe(204);
      expect((await alice()('DELETE', `/assignments/${id}`)).status).toBe(404);
    });
  });

  describe('credentials_orgs_users_course_credentials_list: GET …/course-credentials/', () => {
    it('credentials grouped by course, limit/offset page in the envelope', async () => {
      const r = await alice()('GET', '/course-credentials/?limit=0&offset=0&search=COURSE-1');
      // limit=0 is not a page size the limit/offset style accepts.
      expect(r.status).toBe(400);
      const ok = await alice()('GET', '/course-credentials/?limit=5&search=COURSE-1');
      expect(ok.status).toBe(200);
      expectShape(
        envelopeSchema(
          pageSchema(z.object({ course: z.string(), credentials: z.array(credentialObjectSchema.strict()) }).strict()),
        ),
        ok.body,
      );
      expect(ok.body.result.data[0]).toMatchObject({ course: 'COURSE-1' });
    });
  });

  describe('credentials_orgs_users_images_retrieve / _create: …/images/', () => {
    it('POST multipart {image, name}: {id, name, image}; GET ?query=: a bare array of image objects', async () => {
      const form = new FormData();
      form.append('image', new Blob([PNG_1x1], { type: 'image/png' }), 'logo.png');
      form.append('name', 'Contract Logo');
      const res = await fetch(`${f.svc.url}/api/credentials/orgs/acme/users/alice/images/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${f.tokens.alice}` },
        body: form,
      });
      expect(res.status).toBe(201);
      const image = await res.json();
      const imageSchema = z.object({ id: z.number().int(), name: z.string(), image: z.string() }).strict();
      expectShape(imageSchema, image);
      expect(keysOf(image).sort()).toEqual(['id', 'image', 'name']);
      const list = await alice()('GET', '/images/?query=Contract');
      expect(list.status).toBe(200);
      expectShape(z.array(imageSchema), list.body);
      expect(list.body.map((i: { id: number }) => i.id)).toContain(image.id);
      expect((await alice()('GET', '/images/')).status).toBe(400);
    });
  });

  describe('the OpenAPI document and the reference page', () => {
    it('every operation documents a body schema for its success status (204 aside), and the multipart upload', async () => {
      const doc = (await f.svc.api('GET', '/api/openapi.json', { token: null })).body;
      const missing: string[] = [];
      let operations = 0;
      for (const [path, methods] of Object.entries(
        doc.paths as Record<
          string,
          Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>
        >,
      )) {
        for (const [method, op] of Object.entries(methods)) {
          operations++;
          const successes = Object.entries(op.responses).filter(([code]) => code.startsWith('2'));
          if (successes.length === 0) missing.push(`${method} ${path}: no success status`);
          for (const [code, r] of successes.filter(([c]) => c !== '204')) {
            const schemas = Object.values(r.content ?? {}).filter((c) => c.schema);
            if (schemas.length === 0) missing.push(`${method} ${path} ${code}`);
          }
        }
      }
      expect(operations).toBeGreaterThan(40);
      expect(missing, missing.join('\n')).toEqual([]);
      const images =
        doc.paths['/api/credentials/orgs/{org}/users/{user_id}/images'] ??
        doc.paths['/api/credentials/orgs/{org}/users/{user_id}/images/'];
      expect(images.post.requestBody.content['multipart/form-data'].schema.properties.image).toMatchObject({
        type: 'string',
        format: 'binary',
      });
      // The bare shapes are documented bare, the enveloped ones with their envelope.
      const list =
        doc.paths['/api/credentials/orgs/{org}/users/{user_id}/{entity_id}/assertions/'].get.responses['200'].content[
          'application/json'
        ].schema;
      expect(Object.keys(list.properties).sort()).toEqual([...PAGE_KEYS].sort());
      expect(Object.keys(list.properties.data.items.properties)).toEqual(expect.arrayContaining(ASSERTION_KEYS));
      const bulk = doc.paths['/api/credentials/orgs/{org}/users/{user_id}/{entity_id}/assertions/bulk/'].post.responses;
      expect(Object.keys(bulk['201'].content['application/json'].schema.properties).sort()).toEqual([
        'failed',
        'issued',
        'skipped',
      ]);
      expect(Object.keys(bulk['202'].content['application/json'].schema.properties)).toEqual(
        expect.arrayContaining(['job_id', 'status_url', 'skipped', 'issued']),
      );
      const credential =
        doc.paths['/api/credentials/orgs/{org}/users/{user_id}/{entity_id}'].get.responses['200'].content[
          'application/json'
        ].schema;
      expect(Object.keys(credential.properties)).toEqual(ENVELOPE_KEYS);
      expect(Object.keys(credential.properties.result.properties)).toEqual(expect.arrayContaining(CREDENTIAL_KEYS));
      const error =
        doc.paths['/api/credentials/orgs/{org}/users/{user_id}/{entity_id}'].get.responses['404'].content[
          'application/json'
        ].schema;
      expect(Object.keys(error.properties)).toEqual(['status', 'fieldErrors', 'validationErrors']);
    });

    it('/api/docs/reference is a self-contained reference: every path and method, fields and status codes; strict CSP, no script', async () => {
      const doc = (await f.svc.api('GET', '/api/openapi.json', { token: null })).body;
      const res = await fetch(`${f.svc.url}/api/docs/reference`);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/default-src 'none'/);
      expect(csp).not.toMatch(/unsafe-inline|https?:/);
      const html = await res.text();
      expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3)[^"]*\.(js|css)/);
      const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      for (const [path, methods] of Object.entries(doc.paths as Record<string, object>)) {
        for (const method of Object.keys(methods))
          expect(html).toContain(`${method.toUpperCase()}</span> <code>${esc(path)}</code>`);
      }
      // Response fields and request fields are listed, not just paths.
      for (const field of [
        'credentialDetails',
        'acceptance',
        'revocationReason',
        'max_page_size',
        'skipped',
        'issuing_signal',
      ]) {
        expect(html).toContain(`<code>${field}</code>`);
      }
      expect(html).toContain('multipart/form-data');
    });
  });
});
