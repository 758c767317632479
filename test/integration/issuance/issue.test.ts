import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { DB_KINDS } from '../../support/databases.js';
import { validateAchievementCredential, validateProfile } from '../../../src/openbadges/schema-validation.js';
import {
  expectClaimsMatch,
  pollJob,
  startIssuanceService,
  statusBit,
  verifyJwtIndependently,
  type IssuanceFixture,
} from './issuance-fixture.js';

describe.each(DB_KINDS)('single issuance, public documents and revocation (%s)', (db) => {
  let f: IssuanceFixture;
  let issuerId: string;
  let credentialId: string;

  beforeAll(async () => {
    f = await startIssuanceService(db, { ISSUE_WAIT_MS: '3000' });
    issuerId = await f.issuer();
    credentialId = await f.credential(issuerId);
  });
  afterAll(() => f?.svc.stop());

  const issue = (body: unknown, headers: Record<string, string> = {}, credential = credentialId) =>
    f.as('alice')('POST', `/${credential}/assertions/`, { body, headers });

  /** The full independent check of one issued assertion: schemas, signature via the kid, claims. */
  async function verifyIssued(assertion: any) {
    const json = await f.get(assertion.credential_json);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/vc\+ld\+json/);
    const credential = json.json;
    const validation = validateAchievementCredential(credential);
    expect(validation.errors).toEqual([]);
    expect(validation.byCopy.json.valid && validation.byCopy.jsonld.valid).toBe(true);

    const jwtRes = await f.get(assertion.credential_jwt);
    expect(jwtRes.status).toBe(200);
    expect(jwtRes.headers.get('content-type')).toMatch(/^text\/plain/);
    const { header, payload } = await verifyJwtIndependently(jwtRes.text);
    expect(Object.keys(header).sort()).toEqual(['alg', 'kid', 'typ']);
    expect(header.typ).toBe('JWT');
    expectClaimsMatch(payload, credential);
    expect(credential.id).toBe(assertion.credential_json);
    return { credential, jwt: jwtRes.text, header };
  }

  it('issues one assertion: 201, Badgr assertion format, a signed OB 3.0 credential that verifies independently', async () => {
    const r = await issue({
      recipient: { user_id: 'sam' },
      narrative: 'Led the **team** project.',
      evidence: [{ url: 'https://example.org/work/1', narrative: 'The report' }],
      course: 'TEAM-101',
      fields: { grade: 'A' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.status).toEqual({ success: true, description: 'Created' });
    const a = r.body.result;
    expect(a).toMatchObject({
      entityType: 'Assertion',
      createdBy: 'alice',
      badgeclass: credentialId,
      issuer: issuerId,
      issuedOn: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
      narrative: 'Led the **team** project.',
      evidence: [{ url: 'https://example.org/work/1', narrative: 'The report' }],
      revoked: false,
      revocationReason: null,
      expires: null,
      user_id: 'sam',
      name: 'Sam Student',
      course: { id: 'TEAM-101' },
      fields: { grade: 'A' },
      // The AssertionSerializer fields beside the Badgr ones.
      metadata: { grade: 'A' },
      acceptance: 'Unaccepted',
      credentialDetails: { entityId: credentialId, issuer: issuerId },
    });
    expect(a.entityId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // The email comes from the directory; the hash is of the normalised address with the salt.
    expect(a.recipient.plaintextIdentity).toBe('Sam@Example.com');
    expect(a.recipient.type).toBe('email');
    expect(a.recipient.hashed).toBe(true);
    expect(a.recipient.identity).toBe(
      'sha256$' +
        createHash('sha256')
          .update('sam@example.com' + a.recipient.salt)
          .digest('hex'),
    );
    for (const link of [
      'credential_jwt',
      'credential_json',
      'ob2',
      'verification_url',
      'certificate_pdf',
      'certificate_png',
      'badge_png',
    ]) {
      expect(a[link]).toMatch(new RegExp(`^${f.svc.url}/.+${a.entityId}`));
    }

    const { credential, header } = await verifyIssued(a);
    expect(header.alg).toBe('ES256');
    expect(credential.credentialSubject.identifier[0]).toMatchObject({
      identityType: 'emailAddress',
      hashed: true,
      identityHash: a.recipient.identity,
      salt: a.recipient.salt,
    });
    expect(credential.credentialSubject.narrative).toBe('Led the **team** project.');
    expect(credential.evidence).toEqual([
      { type: ['Evidence'], id: 'https://example.org/work/1', narrative: 'The report' },
    ]);
    expect(credential.credentialStatus).toMatchObject({
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
    });
    expect(Number(credential.credentialStatus.statusListIndex)).toBeLessThan(131_072);

    // The issuer id is its did:web (issue 14), resolved as did:web says (host, then path segments,
    // then did.json); its DID document links the OB 3.0 Profile, whose id is the same DID.
    expect(credential.issuer.id).toMatch(/^did:web:/);
    const [host, ...segments] = credential.issuer.id.slice('did:web:'.length).split(':');
    expect(decodeURIComponent(host)).toBe(new URL(f.svc.url).host);
    const didDocument = await f.get(`${f.svc.url}/${segments.join('/')}/did.json`);
    expect(didDocument.json.id).toBe(credential.issuer.id);
    const profileLink = didDocument.json.service.find((s: any) => s.type === 'IssuerProfile');
    const profile = await f.get(profileLink.serviceEndpoint);
    expect(profile.status).toBe(200);
    expect(profile.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    expect(profile.json).toMatchObject({ id: credential.issuer.id, type: ['Profile'], name: 'Acme Academy' });
    expect(validateProfile(profile.json).errors).toEqual([]);
    const achievement = await f.get(credential.credentialSubject.achievement.id);
    const { '@context': ctx, ...embedded } = achievement.json;
    expect(ctx[0]).toBe('https://www.w3.org/ns/credentials/v2');
    expect(embedded).toEqual(credential.credentialSubject.achievement);
    const jwks = await f.get(`${f.svc.url}/.well-known/jwks.json`);
    expect(jwks.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
    expect(jwks.json.keys.map((k: any) => k.kid)).toContain(header.kid);
    const key = await f.get(header.kid as string);
    expect(key.headers.get('content-type')).toMatch(/^application\/jwk\+json/);
    expect(key.headers.get('cache-control')).toMatch(/immutable/);

    // The public view hides the address; the authenticated one shows it.
    const pub = await f.get(`${f.svc.url}/api/credentials/public/assertions/${a.entityId}/`);
    expect(pub.status).toBe(200);
    expect(pub.json.result.entityId).toBe(a.entityId);
    expect(pub.json.result.recipient.plaintextIdentity).toBeUndefined();
    expect(pub.json.result.createdBy).toBeUndefined();
    expect(pub.text).not.toMatch(/sam@example\.com/i);
    expect(pub.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const etag = pub.headers.get('etag');
    expect(etag).toBeTruthy();
    // (fetch would add `Cache-Control: no-cache` to a conditional request unless one is given.)
    expect(
      (
        await f.get(`${f.svc.url}/api/credentials/public/assertions/${a.entityId}/`, {
          'if-none-match': etag!,
          'cache-control': 'max-age=0',
        })
      ).status,
    ).toBe(304);

    // Stored, never re-signed: the JWT served twice is the same string.
    expect((await f.get(a.credential_jwt)).text).toBe((await f.get(a.credential_jwt)).text);
  });

  it('serves the OB 2.0 hosted assertion with a hashed recipient, and its BadgeClass and Issuer', async () => {
    const a = (await issue({ recipient: { user_id: 'sue' } })).body.result;
    const ob2 = await f.get(a.ob2);
    expect(ob2.status).toBe(200);
    expect(ob2.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    expect(ob2.json).toMatchObject({
      '@context': 'https://w3id.org/openbadges/v2',
      type: 'Assertion',
      id: a.ob2,
      verification: { type: 'HostedBadge' },
      recipient: { type: 'email', hashed: true, salt: a.recipient.salt },
    });
    expect(ob2.json.recipient.identity).toBe(
      'sha256$' +
        createHash('sha256')
          .update('sue@example.com' + a.recipient.salt)
          .digest('hex'),
    );
    expect(ob2.text).not.toContain('sue@example.com');
    expect((await f.get(a.ob2, { accept: 'application/json' })).headers.get('content-type')).toMatch(
      /^application\/json/,
    );
    const badge = await f.get(ob2.json.badge);
    expect(badge.json).toMatchObject({
      type: 'BadgeClass',
      id: ob2.json.badge,
      name: 'Teamwork',
      image: 'https://acme.example.org/teamwork.png',
    });
    const issuer = await f.get(badge.json.issuer);
    expect(issuer.json).toMatchObject({
      type: 'Issuer',
      id: badge.json.issuer,
      name: 'Acme Academy',
      url: 'https://acme.example.org',
      email: 'badges@acme.example.org',
    });
  });

  it('an OB 2.0 BadgeClass without any image of its own points at the default badge, which is served', async () => {
    const bare = await f.issuer({ name: 'Plain Issuer', iconImage: null });
    const plain = await f.credential(bare, { name: 'No image', icon_image: null });
    const a = (await issue({ recipient: { user_id: 'sam' } }, {}, plain)).body.result;
    const badge = await f.get((await f.get(a.ob2)).json.badge);
    expect(badge.json.image).toBe(`${f.svc.url}/api/credentials/public/default-badge.svg`);
    const svg = await f.get(badge.json.image);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(svg.text).toContain('<svg');
  });

  it('RS256 issuers sign with RS256; a rotated-out key stays published and its credentials still verify', async () => {
    const rsIssuer = await f.issuer({ name: 'RSA Institute', signing_alg: 'RS256' });
    const rsCredential = await f.credential(rsIssuer, { name: 'RSA badge', validity_days: 30 });
    const first = (await issue({ recipient: { user_id: 'sam' } }, {}, rsCredential)).body.result;
    const { header: h1, credential } = await verifyIssued(first);
    expect(h1.alg).toBe('RS256');
    // validity_days sets validUntil (and so the JWT exp).
    const days = (Date.parse(credential.validUntil) - Date.parse(credential.validFrom)) / 86_400_000;
    expect(days).toBe(30);

    await f.svc.service.runtime.issuerKeys.rotate(rsIssuer);
    const second = (await issue({ recipient: { user_id: 'sue' } }, {}, rsCredential)).body.result;
    const { header: h2 } = await verifyIssued(second);
    expect(h2.kid).not.toBe(h1.kid);
    // The old credential still verifies through its (retired) kid, which the JWKS still lists.
    await verifyIssued(first);
    const kids = (await f.get(`${f.svc.url}/.well-known/jwks.json`)).json.keys.map((k: any) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([h1.kid, h2.kid]));
  });

  it('an expiry date in the request becomes validUntil / exp', async () => {
    const credential = await f.credential(issuerId, { name: 'Expiring' });
    const expires = new Date(Date.now() + 90 * 86_400_000);
    const r = await issue({ recipient: { user_id: 'sam' }, expires: expires.toISOString() }, {}, credential);
    expect(r.status).toBe(201);
    expect(Date.parse(r.body.result.expires)).toBe(Math.floor(expires.getTime() / 1000) * 1000);
    const { credential: vc } = await verifyIssued(r.body.result);
    expect(vc.validUntil).toBe(
      new Date(Math.floor(expires.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    );
  });

  it('one live assertion per recipient: issuing again answers 200 with the existing one', async () => {
    const credential = await f.credential(issuerId, { name: 'Once' });
    const first = await issue({ recipient: { user_id: 'sam' } }, {}, credential);
    expect(first.status).toBe(201);
    // The same person named by email resolves to the same user.
    const again = await issue({ recipient: { email: 'sam@example.com' } }, {}, credential);
    expect(again.status).toBe(200);
    expect(again.body.result.entityId).toBe(first.body.result.entityId);
    const list = await f.as('alice')('GET', `/${credential}/assertions/`);
    expect(list.body.count).toBe(1);
  });

  it('an Idempotency-Key returns the same assertion on retry, and refuses reuse with another request', async () => {
    const credential = await f.credential(issuerId, { name: 'Idempotent' });
    const body = { recipient: { user_id: 'newbie', email: 'newbie@example.org', name: 'New Bie' } };
    const key = { 'idempotency-key': 'retry-me-123' };
    const first = await issue(body, key, credential);
    expect(first.status).toBe(201);
    const retry = await issue(body, key, credential);
    expect(retry.status).toBe(201);
    expect(retry.body.result.entityId).toBe(first.body.result.entityId);
    const other = await issue({ recipient: { user_id: 'sue' } }, key, credential);
    expect(other.status).toBe(409);
    expect(other.body.status.description).toMatch(/Idempotency-Key/);
    expect((await issue(body, { 'idempotency-key': 'has space' }, credential)).status).toBe(400);
    // A retry is answered from what was accepted, even once its own checks would no longer pass.
    const soon = { recipient: { user_id: 'sue' }, expires: new Date(Date.now() + 6000).toISOString() };
    const accepted = await issue(soon, { 'idempotency-key': 'expiring-soon' }, credential);
    expect(accepted.status).toBe(201);
    await new Promise((r) => setTimeout(r, Date.parse(soon.expires) - Date.now() + 200));
    const late = await issue(soon, { 'idempotency-key': 'expiring-soon' }, credential);
    expect(late.status, JSON.stringify(late.body)).toBe(201);
    expect(late.body.result.entityId).toBe(accepted.body.result.entityId);
    // An unknown user id given with an email joined the directory as a student.
    const users = await f.svc.api('GET', '/api/admin/orgs/acme/users?q=newbie');
    expect(users.body.result.data).toEqual([
      expect.objectContaining({ user_id: 'newbie', email: 'newbie@example.org', role: 'student' }),
    ]);
    expect((await f.as('alice')('GET', `/${credential}/assertions/`)).body.count).toBe(2); // newbie, sue
  });

  it('an expired award gives way to the next: issuing again supersedes it, and it stays verifiable as expired, not revoked', async () => {
    const credential = await f.credential(issuerId, { name: 'Yearly Safety' });
    const soon = () => new Date(Date.now() + 6000).toISOString();
    const first = await issue({ recipient: { user_id: 'sam' }, expires: soon() }, {}, credential);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const bulk1 = await f.as('alice')('POST', `/${credential}/assertions/bulk/`, {
      body: { users: ['sue'], expires: soon() },
    });
    expect(bulk1.status, JSON.stringify(bulk1.body)).toBe(201);
    expect(bulk1.body.issued).toEqual(['sue']);
    // While it is valid, it is what the recipient holds.
    const held = await issue({ recipient: { user_id: 'sam' } }, {}, credential);
    expect(held.status).toBe(200);
    expect(held.body.result.entityId).toBe(first.body.result.entityId);

    await new Promise((r) => setTimeout(r, Date.parse(first.body.result.expires) - Date.now() + 1500));
    const renewed = await issue({ recipient: { user_id: 'sam' } }, {}, credential);
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(201);
    expect(renewed.body.result.entityId).not.toBe(first.body.result.entityId);
    expect((await issue({ recipient: { user_id: 'sam' } }, {}, credential)).body.result.entityId).toBe(
      renewed.body.result.entityId,
    );
    const bulk2 = await f.as('alice')('POST', `/${credential}/assertions/bulk/`, { body: { users: ['sue', 'sam'] } });
    expect(bulk2.body, JSON.stringify(bulk2.body)).toMatchObject({ issued: ['sue'], skipped: ['sam'] });

    // The old award is untouched for verifiers: public, expired, its status bit clear.
    const old = await f.svc.api('POST', '/api/credentials/public/verify', {
      token: null,
      body: { assertion_id: first.body.result.entityId },
    });
    expect(old.body.verified).toBe(false);
    const checks = Object.fromEntries(old.body.checks.map((c: any) => [c.check, c.ok]));
    expect(checks).toMatchObject({ signature: true, validity: false, revocation: true });
    // The credential's list is its history (all four awards); a recipient's own list shows the
    // live one, and the expired one too with include_expired.
    const history = await f.as('alice')('GET', `/${credential}/assertions/`);
    expect(history.body.data.map((a: any) => a.user_id).sort()).toEqual(['sam', 'sam', 'sue', 'sue']);
    const own = await f.as('sam')('GET', `/assertions/`);
    expect(own.body.data.filter((a: any) => a.badgeclass === credential).map((a: any) => a.entityId)).toEqual([
      renewed.body.result.entityId,
    ]);
    const all = await f.as('sam')('GET', `/assertions/?include_expired=true`);
    const mine = all.body.data.filter((a: any) => a.badgeclass === credential).map((a: any) => a.entityId);
    expect(mine.sort()).toEqual([first.body.result.entityId, renewed.body.result.entityId].sort());
  });

  it('answers 202 with a job to poll when the job does not finish in time', async () => {
    const credential = await f.credential(issuerId, { name: 'Slow' });
    // Paused queue: jobs wait, so the request's 3 s bound passes.
    const queue = f.svc.service.runtime.queues.issuance;
    await queue.pause();
    let r;
    try {
      r = await issue({ recipient: { user_id: 'sue' } }, {}, credential);
    } finally {
      await queue.resume();
    }
    expect(r.status).toBe(202);
    expect(r.body.result.status_url).toBe(
      `${f.svc.url}/api/credentials/orgs/acme/users/alice/jobs/${r.body.result.job_id}`,
    );
    const seen = await pollJob(f.as('alice'), r.body.result.job_id, (s) => s.state === 'completed');
    const done = seen.at(-1);
    expect(done.result.created).toBe(true);
    // A job that refuses its input (the credential was deleted while it waited) shows as failed.
    const vanishing = await f.credential(issuerId, { name: 'Vanishing' });
    await queue.pause();
    let queued;
    try {
      queued = await issue({ recipient: { user_id: 'sue' } }, {}, vanishing);
      expect((await f.as('alice')('DELETE', `/${vanishing}`)).status).toBeLessThan(300);
    } finally {
      await queue.resume();
    }
    expect(queued.status).toBe(202);
    const refused = (await pollJob(f.as('alice'), queued.body.result.job_id, (s) => s.finishedAt !== null)).at(-1);
    expect(refused).toMatchObject({ state: 'failed', failedReason: expect.stringMatching(/deleted/) });
    // Ids the service never hands out are unknown jobs, not the queue's own Redis keys.
    for (const id of ['id', 'events', 'completed', `${r.body.result.job_id}:lock`]) {
      expect((await f.as('alice')('GET', `/jobs/${id}`)).status, id).toBe(404);
    }
    const got = await f.as('alice')('GET', `/assertions/${done.result.assertionId}`);
    expect(got.status).toBe(200);
    expect(got.body.result.user_id).toBe('sue');
  });

  it('reads: a credential’s list for admins, one’s own assertions with filters, visibility by role', async () => {
    const credential = await f.credential(issuerId, { name: 'Readable', course: 'COURSE-9' });
    const sam = (await issue({ recipient: { user_id: 'sam' } }, {}, credential)).body.result;
    const sue = (await issue({ recipient: { user_id: 'sue' } }, {}, credential)).body.result;

    const page = await f.as('alice')('GET', `/${credential}/assertions/?page_size=1`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ count: 2, num_pages: 2, page_number: 1, max_page_size: 100 });
    expect(page.body).not.toHaveProperty('status');
    expect(page.body.next).toMatch(/page=2/);
    expect(page.body.data).toHaveLength(1);
    expect((await f.as('sam')('GET', `/${credential}/assertions/`)).status).toBe(403);
    // dora administers d1, where sam is and sue is not.
    const dora = await f.as('dora')('GET', `/${credential}/assertions/`);
    expect(dora.body.data.map((a: any) => a.user_id)).toEqual(['sam']);
    expect((await f.as('dora')('GET', `/assertions/${sue.entityId}`)).status).toBe(404);
    expect((await f.as('dora')('GET', `/assertions/${sam.entityId}`)).status).toBe(200);

    const own = await f.as('sam')('GET', '/assertions/?course=COURSE-9');
    expect(own.status).toBe(200);
    expect(own.body.data.map((a: any) => a.entityId)).toEqual([sam.entityId]);
    expect((await f.as('sam')('GET', `/assertions/${sam.entityId}`)).status).toBe(200);
    expect((await f.as('sam')('GET', `/assertions/${sue.entityId}`)).status).toBe(404);
    expect((await f.as('sam')('GET', '/assertions/?exclude_main_tenant_assertions=true')).body.count).toBeGreaterThan(
      0,
    );
    expect((await f.as('sam')('GET', '/assertions/?include_revoked=maybe')).status).toBe(400);
    // Another org sees nothing of acme's.
    expect((await f.as('gina')('GET', `/assertions/${sam.entityId}`)).status).toBe(404);
    expect((await f.as('gina')('GET', `/${credential}/assertions/`)).status).toBe(404);
  });

  it('revocation: reason required, public 404 with the reason, OB 2.0 410, and the status list bit is set', async () => {
    const credential = await f.credential(issuerId, { name: 'Revocable' });
    const kept = (await issue({ recipient: { user_id: 'sue' } }, {}, credential)).body.result;
    const a = (await issue({ recipient: { user_id: 'sam' } }, {}, credential)).body.result;
    const { credential: vc } = await verifyIssued(a);
    const listUrl = vc.credentialStatus.statusListCredential;
    const keptIndex = Number((await f.get(kept.credential_json)).json.credentialStatus.statusListIndex);
    const before = await f.get(listUrl);
    expect(before.status).toBe(200);
    expect(before.headers.get('content-type')).toMatch(/^application\/vc\+jwt/);
    const beforeList = (await verifyJwtIndependently(before.text)).payload;
    expect(statusBit(beforeList.credentialSubject.encodedList, Number(vc.credentialStatus.statusListIndex))).toBe(
      false,
    );

    const path = `/assertions/${a.entityId}`;
    const noReason = await f.as('alice')('PUT', path, { body: { revoked: true } });
    expect(noReason.status).toBe(400);
    expect(noReason.body.fieldErrors.revocationReason).toBeDefined();
    expect((await f.as('sam')('PUT', path, { body: { revoked: true, revocationReason: 'mine' } })).status).toBe(403);
    const revoked = await f.as('alice')('PUT', path, { body: { revoked: true, revocationReason: 'Awarded in error' } });
    expect(revoked.status).toBe(200);
    expect(revoked.body.result).toMatchObject({ revoked: true, revocationReason: 'Awarded in error' });
    expect((await f.as('alice')('PUT', path, { body: { revoked: false } })).status).toBe(409);

    const pub = await f.get(`${f.svc.url}/api/credentials/public/assertions/${a.entityId}/`);
    expect(pub.status).toBe(404);
    expect(pub.json).toMatchObject({ detail: expect.any(String), revocationReason: 'Awarded in error' });
    // A verifier in a browser on another origin may read why.
    expect(pub.headers.get('access-control-allow-origin')).toBe('*');
    const jwtGone = await f.get(a.credential_jwt);
    expect(jwtGone.status).toBe(404);
    expect(jwtGone.headers.get('access-control-allow-origin')).toBe('*');
    const ob2 = await f.get(a.ob2);
    expect(ob2.status).toBe(410);
    expect(ob2.headers.get('vary')).toMatch(/Accept/);
    expect(ob2.json).toMatchObject({
      type: 'Assertion',
      id: a.ob2,
      revoked: true,
      revocationReason: 'Awarded in error',
    });

    const after = await f.get(listUrl);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    const { payload: list, header } = await verifyJwtIndependently(after.text);
    expect(header.kid).toBeTruthy();
    expect(list).toMatchObject({
      id: listUrl,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: vc.issuer.id,
      credentialSubject: { type: 'BitstringStatusList', statusPurpose: 'revocation' },
    });
    expect(statusBit(list.credentialSubject.encodedList, Number(vc.credentialStatus.statusListIndex))).toBe(true);
    expect(statusBit(list.credentialSubject.encodedList, keptIndex)).toBe(false);
    // Served from the cache until the next flip: the same signed bytes.
    expect((await f.get(listUrl)).text).toBe(after.text);

    // The recipient may be issued the credential again once the old one is revoked.
    expect((await issue({ recipient: { user_id: 'sam' } }, {}, credential)).status).toBe(201);
  });

  it('bad input and refusals are clear 4xx', async () => {
    const unknown = await issue({ recipient: { user_id: 'sam' } }, {}, 'no-such-credential');
    expect(unknown.status).toBe(404);
    expect(unknown.body.status.description).toMatch(/no-such-credential/);
    const neither = await issue({ recipient: { name: 'Nobody' } });
    expect(neither.status).toBe(400);
    expect(neither.body.status.description).toMatch(/user_id or an email/);
    expect((await issue({ recipient: { email: 'not-an-email' } })).status).toBe(400);
    expect((await issue({})).status).toBe(400);
    const stranger = await issue({ recipient: { user_id: 'ghost' } });
    expect(stranger.status).toBe(400);
    expect(stranger.body.status.description).toMatch(/Unknown user "ghost"/);
    expect((await issue({ recipient: { user_id: 'sam' }, expires: '2001-01-01T00:00:00Z' })).status).toBe(400);
    expect((await issue({ recipient: { user_id: 'sam' }, expires: 'tomorrow' })).status).toBe(400);
    // Less than a few seconds ahead would pass here and then fail in the job (whole-second dates).
    expect(
      (await issue({ recipient: { user_id: 'sam' }, expires: new Date(Date.now() + 500).toISOString() })).status,
    ).toBe(400);
    for (const expires of ['+100000-01-01T00:00:00Z', '+010000-01-01T00:00:00Z', 'Tue, 01 Jan 2030 00:00:00 GMT']) {
      expect((await issue({ recipient: { user_id: 'sam' }, expires })).status, expires).toBe(400);
    }
    expect(
      (await f.as('dora')('POST', `/${credentialId}/assertions/`, { body: { recipient: { user_id: 'sam' } } })).status,
    ).toBe(403);
    // Another org's credential: 404 as for an unknown id, unless that org authorized this one.
    const foreign = await f.as('gina')('POST', `/${credentialId}/assertions/`, {
      body: { recipient: { user_id: 'sam' } },
    });
    const unknownId = await f.as('gina')('POST', `/no-such-credential/assertions/`, {
      body: { recipient: { user_id: 'sam' } },
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.status.description).toBe(
      unknownId.body.status.description.replace('no-such-credential', credentialId),
    );
    expect((await f.get(`${f.svc.url}/api/credentials/public/assertions/nope/`)).status).toBe(404);
    expect((await f.get(`${f.svc.url}/api/credentials/public/keys/nope`)).status).toBe(404);
    expect((await f.get(`${f.svc.url}/api/credentials/public/status-lists/nope`)).status).toBe(404);

    const deleted = await f.credential(issuerId, { name: 'Deleted' });
    expect((await f.as('alice')('DELETE', `/${deleted}`)).status).toBeLessThan(300);
    const gone = await issue({ recipient: { user_id: 'sam' } }, {}, deleted);
    expect(gone.status).toBe(410);
    expect((await f.as('alice')('POST', `/${deleted}/assertions/bulk/`, { body: { users: ['sam'] } })).status).toBe(
      410,
    );

    const retiring = await f.issuer({ name: 'Retiring' });
    const orphan = await f.credential(retiring, { name: 'Orphan' });
    expect((await f.as('alice')('DELETE', `/issuers/${retiring}`)).status).toBeLessThan(300);
    const retired = await issue({ recipient: { user_id: 'sam' } }, {}, orphan);
    expect(retired.status).toBe(409);
    expect(retired.body.status.description).toMatch(/retired/);
  });
});
