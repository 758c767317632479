import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/harness.js';
import { DB_KINDS } from '../../support/databases.js';
import { runBadgeworks } from '../../support/child-service.js';
import { bootstrapDirectory } from '../../../src/directory/bootstrap.js';
import { ConfigError } from '../../../src/config.js';
import { createTestDatabase } from '../../support/databases.js';
import { openDatabase } from '../../../src/db/database.js';
import { migrateToLatest } from '../../../src/db/migrate.js';
import { directoryRepository } from '../../../src/db/directory-repository.js';
import { directoryService } from '../../../src/directory/directory-service.js';

describe.each(DB_KINDS)('administration over HTTP (%s)', (db) => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ db, workers: false });
  });
  afterAll(() => svc?.stop());

  it('a revoked ADMIN_TOKEN stays revoked: the next start refuses it in one line', async () => {
    const directory = svc.service.runtime.directory;
    const value = 'bw_revoked_admin_token_0123456789';
    const { id } = await directory.createToken('system', 'main', 'admin', value);
    await directory.revokeToken('system', id);
    const err = await bootstrapDirectory(directory, { dataDir: os.tmpdir(), adminToken: value }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/^Invalid ADMIN_TOKEN: this token was revoked/);
    expect(await directory.authenticateToken(value)).toBeFalsy();
  });

  it('creates an org, a user and a token that then authenticates; a revoked token is 401', async () => {
    expect(
      (await svc.api('POST', '/api/admin/orgs', { body: { org: 'uni', name: 'University', timezone: 'Europe/Paris' } }))
        .body.result,
    ).toEqual({
      org: 'uni',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      name: 'University',
      timezone: 'Europe/Paris',
      url: null,
      photo_url: null,
    });
    const user = await svc.api('PUT', '/api/admin/orgs/uni/users/dean', {
      body: { role: 'platform_admin', name: 'Dean', email: 'dean@uni.edu' },
    });
    expect(user.body.result).toMatchObject({
      org: 'uni',
      user_id: 'dean',
      role: 'platform_admin',
      email: 'dean@uni.edu',
    });
    const created = await svc.api('POST', '/api/admin/orgs/uni/users/dean/tokens');
    expect(created.status).toBe(201);
    const { id, token } = created.body.result;
    expect(token).toMatch(/^bw_[A-Za-z0-9_-]{43}$/);

    const asDean = await svc.api('GET', '/api/admin/orgs/uni/users', { token });
    expect(asDean.status).toBe(200);
    expect(asDean.body.result.count).toBe(1);

    // Only the hash is stored.
    const rows = await svc.service.runtime.db
      .selectFrom('api_tokens')
      .select('token_hash')
      .where('id', '=', id)
      .execute();
    expect(rows[0].token_hash).not.toContain(token);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);

    expect((await svc.api('DELETE', `/api/admin/tokens/${id}`)).status).toBe(200);
    expect((await svc.api('GET', '/api/admin/orgs/uni/users', { token })).status).toBe(401);
    expect((await svc.api('DELETE', '/api/admin/tokens/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });

  it('refuses unknown orgs, unknown users and bad bodies with clear 4xx', async () => {
    expect((await svc.api('PUT', '/api/admin/orgs/nowhere/users/x', { body: { role: 'student' } })).status).toBe(404);
    expect((await svc.api('POST', '/api/admin/orgs/uni/users/ghost/tokens')).status).toBe(404);
    const badOrg = await svc.api('POST', '/api/admin/orgs', { body: { org: 'Bad Org!', name: 'x' } });
    expect(badOrg.status).toBe(400);
    expect(badOrg.body.fieldErrors.org[0]).toMatch(/lowercase/);
    expect(
      (await svc.api('POST', '/api/admin/orgs', { body: { org: 'tz', name: 'x', timezone: 'Mars/Olympus' } })).status,
    ).toBe(400);
  });
});

describe('platform JWTs verified against AUTH_JWKS_URL', () => {
  let svc: TestService;
  let jwks: http.Server;
  let sign: (claims: Record<string, unknown>) => Promise<string>;
  let otherSign: (claims: Record<string, unknown>) => Promise<string>;
  let signingKey: CryptoKey;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const other = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    jwks = http.createServer((_req, res) =>
      res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    const mk = (key: CryptoKey) => (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('https://lms.example')
        .setExpirationTime('5m')
        .sign(key);
    sign = mk(privateKey);
    signingKey = privateKey;
    otherSign = mk(other.privateKey);
    svc = await startTestService({
      workers: false,
      env: { AUTH_JWKS_URL: url, AUTH_JWT_ISSUER: 'https://lms.example' },
    });
    await svc.api('POST', '/api/admin/orgs', { body: { org: 'lms', name: 'LMS' } });
  });
  afterAll(async () => {
    await svc?.stop();
    jwks?.close();
  });

  it('accepts a valid JWT as the principal it names and rejects forged or incomplete ones', async () => {
    const good = await sign({ sub: 'teacher', org: 'lms', role: 'platform_admin' });
    expect((await svc.api('GET', '/api/admin/orgs/lms/users', { token: good })).status).toBe(200);
    // The JWT's org bounds it: another org is forbidden.
    expect((await svc.api('GET', '/api/admin/orgs/main/users', { token: good })).status).toBe(403);
    const forged = await otherSign({ sub: 'teacher', org: 'lms', role: 'platform_admin' });
    expect((await svc.api('GET', '/api/admin/orgs/lms/users', { token: forged })).status).toBe(401);
    const noRole = await sign({ sub: 'teacher', org: 'lms' });
    expect((await svc.api('GET', '/api/admin/orgs/lms/users', { token: noRole })).status).toBe(401);
    // A JWT without exp would never end (JWTs cannot be revoked here): refused.
    const endless = await new SignJWT({ sub: 'teacher', org: 'lms', role: 'platform_admin' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('https://lms.example')
      .sign(signingKey);
    expect((await svc.api('GET', '/api/admin/orgs/lms/users', { token: endless })).status).toBe(401);
    const elsewhere = await new SignJWT({ sub: 'teacher', org: 'lms', role: 'platform_admin' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('https://other.example')
      .setExpirationTime('5m')
      .sign(signingKey);
    expect((await svc.api('GET', '/api/admin/orgs/lms/users', { token: elsewhere })).status).toBe(401);
    // API tokens keep working beside JWTs.
    expect((await svc.api('GET', '/api/admin/orgs/lms/users')).status).toBe(200);
  });
});

describe('the CLI against the embedded database', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bw-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const cli = async (...args: string[]) => {
    const c = runBadgeworks(args, { DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const code = await c.exited;
    return { code, out: c.output() };
  };

  it('migrates, creates an org, a user and a token, and revokes it; bad input is one clear line', async () => {
    expect((await cli('migrate')).out).toMatch(/applied: 001-directory/);
    expect(await cli('org', 'create', 'acme', 'Acme', 'Inc')).toMatchObject({ code: 0, out: 'created org acme\n' });
    const user = await cli('user', 'upsert', 'acme', 'ann', '--role', 'department_admin', '--departments', 'math,cs');
    expect(user.code).toBe(0);
    expect(JSON.parse(user.out)).toMatchObject({
      user_id: 'ann',
      role: 'department_admin',
      departments: ['cs', 'math'],
    });
    const token = await cli('token', 'create', 'acme', 'ann');
    expect(token.code).toBe(0);
    const id = /token id: (\S+)/.exec(token.out)![1];
    expect(token.out).toMatch(/token: +bw_/);
    expect((await cli('token', 'revoke', id)).code).toBe(0);

    const dup = await cli('org', 'create', 'acme', 'Again');
    expect(dup).toMatchObject({ code: 1, out: 'badgeworks: Org "acme" already exists.\n' });
    const badRole = await cli('user', 'upsert', 'acme', 'bob', '--role', 'emperor');
    expect(badRole.code).toBe(2);
    expect(badRole.out).toMatch(/--role must be one of/);
    expect((await cli('frobnicate')).code).toBe(2);
    // Eight CLI processes, each loading tsx and opening PGlite (~4 s each on a quiet 2-core machine).
  }, 180_000);

  it('imports users from CSV and manages departments and groups', async () => {
    const csv = path.join(dataDir, 'users.csv');
    writeFileSync(
      csv,
      'user_id,role,name,email,departments\nlee,student,"Lee, Jr.",lee@acme.test,math;cs\nkim,student,Kim,,\n',
    );
    expect(await cli('users', 'import', 'acme', csv)).toMatchObject({ code: 0, out: 'upserted 2 users\n' });
    expect((await cli('department', 'put', 'acme', 'math', 'Mathematics')).code).toBe(0);
    const group = await cli(
      'group',
      'put',
      'acme',
      'g1',
      '--name',
      'Group 1',
      '--department',
      'math',
      '--members',
      'lee,kim',
    );
    expect(group.code).toBe(0);
    expect(JSON.parse(group.out)).toEqual({
      group_id: 'g1',
      name: 'Group 1',
      department: 'math',
      members: ['kim', 'lee'],
    });
    writeFileSync(csv, 'user_id,role\nok,student\nbad,wizard\n');
    const bad = await cli('users', 'import', 'acme', csv);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/Record 2: role/);
  }, 180_000);
});

describe.runIf(DB_KINDS.includes('postgres'))('replicas starting together on an empty PostgreSQL', () => {
  it('every one of them finishes the bootstrap, whichever creates the org or the ADMIN_TOKEN first', async () => {
    const adminToken = 'bw_shared_admin_token_for_replicas_0123';
    for (let round = 0; round < 5; round++) {
      const test = await createTestDatabase('postgres');
      const handles = await Promise.all([1, 2, 3, 4].map(() => openDatabase(test.options)));
      try {
        await migrateToLatest(handles[0].db);
        const results = await Promise.all(
          handles.map((h) =>
            bootstrapDirectory(directoryService({ directoryRepo: directoryRepository(h.db) }), {
              dataDir: os.tmpdir(),
              adminToken,
            }),
          ),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        const directory = directoryService({ directoryRepo: directoryRepository(handles[0].db) });
        expect(await directory.authenticateToken(adminToken)).toBeTruthy();
      } finally {
        await Promise.all(handles.map((h) => h.close()));
        await test.drop();
      }
    }
  });
});
