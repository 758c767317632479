/**
 * Issue 17: the CLI's commands that manage a running service, spawned as a user runs them
 * against a real service over HTTP: issuers, credentials, issuing (one recipient, and a CSV with
 * its progress until rendered), revoking, tokens. API errors: one line, exit 1; usage: exit 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBadgeworks } from '../../support/child-service.js';
import { freePort } from '../../../src/embedded/redis-server.js';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';

describe('CLI commands over HTTP', () => {
  let f: IssuanceFixture;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bw-cli-http-'));
  let env: Record<string, string>;
  const cli = async (args: string[], extra: Record<string, string> = {}) => {
    const c = runBadgeworks(args, { ...env, ...extra });
    const code = await c.exited;
    return { code, out: c.output() };
  };
  const noStack = (out: string) => expect(out).not.toMatch(/\n\s+at .+:\d+:\d+\)?|node:internal/);

  beforeAll(async () => {
    f = await startIssuanceService('pglite', { WORKERS: 'issuance,render' });
    const users = ['cli1', 'cli2', 'cli3'].map((user_id) => ({ user_id, role: 'student', name: `User ${user_id}` }));
    expect((await f.svc.api('POST', '/api/admin/orgs/acme/users', { body: { users } })).status).toBe(200);
    // As alice, platform admin of acme; DATA_DIR points nowhere, so no admin-token file is read.
    env = {
      BADGEWORKS_URL: f.svc.url,
      BADGEWORKS_TOKEN: f.tokens.alice,
      BADGEWORKS_ORG: 'acme',
      BADGEWORKS_USER: 'alice',
      DATA_DIR: dir,
    };
  }, 180_000);
  afterAll(async () => {
    await f?.svc.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates an issuer and a credential, issues one, issues a CSV until rendered, revokes', async () => {
    const issuer = await cli(['issuers', 'create', '--name', 'CLI Academy', '--email', 'cli@acme.example.org']);
    expect(issuer.code, issuer.out).toBe(0);
    const issuerId = /^created issuer (\S+)\n$/.exec(issuer.out)![1];
    const credential = await cli(['credentials', 'create', '--issuer', issuerId, '--name', 'CLI Badge']);
    expect(credential.code, credential.out).toBe(0);
    const credentialId = /^created credential (\S+)\n$/.exec(credential.out)![1];
    expect((await f.as('alice')('GET', `/${credentialId}`)).body.result.issuer).toBe(issuerId);

    const one = await cli(['issue', '--credential', credentialId, '--user-id', 'sue', '--name', 'Sue S']);
    expect(one.code, one.out).toBe(0);
    const assertionId = /^issued (\S+)\n$/.exec(one.out)![1];
    expect((await f.as('alice')('GET', `/assertions/${assertionId}`)).body.result.revoked).toBe(false);

    // Quotes, a `;` separator and a BOM, parsed by the service's own CSV reader.
    const csv = path.join(dir, 'recipients.csv');
    writeFileSync(csv, '\uFEFFUser_ID;Name;team\ncli1;"Doe; Jane";red\ncli2;;blue\ncli3;"Three";green\n');
    const bulk = await cli(['issue', '--credential', credentialId, '--csv', csv, '--interval', '200']);
    expect(bulk.code, bulk.out).toBe(0);
    // Not a terminal: plain progress lines, then the summary once the three are rendered.
    expect(bulk.out).toMatch(/^users \d\/3/m);
    expect(bulk.out).not.toContain('\r');
    expect(bulk.out).toMatch(/^issued 3, skipped 0, failed 0, rendered 3\n$/m);
    const rows = await f.svc.service.runtime.db
      .selectFrom('assertions')
      .select(['recipient_user_id', 'recipient_name'])
      .where('credential_id', '=', credentialId)
      .where('recipient_user_id', 'like', 'cli%')
      .orderBy('recipient_user_id')
      .execute();
    expect(rows.map((r) => r.recipient_user_id)).toEqual(['cli1', 'cli2', 'cli3']);

    expect((await cli(['revoke', assertionId])).code).toBe(2);
    const revoked = await cli(['revoke', assertionId, '--reason', 'issued by mistake']);
    expect(revoked).toEqual({ code: 0, out: `revoked ${assertionId}\n` });
    const a = (await f.as('alice')('GET', `/assertions/${assertionId}`)).body.result;
    expect(a).toMatchObject({ revoked: true, revocationReason: 'issued by mistake' });
  }, 240_000);

  it('lists and revokes tokens through the API (never printing their values)', async () => {
    const created = await f.svc.api('POST', '/api/admin/orgs/acme/users/sam/tokens');
    const { id, token } = created.body.result as { id: string; token: string };
    const listed = await cli(['tokens', 'list', '--user-id', 'sam']);
    expect(listed.code, listed.out).toBe(0);
    expect(listed.out).toMatch(/^ID\s+USER\s+CREATED\s+REVOKED\n/);
    expect(listed.out).toContain(id);
    expect(listed.out).not.toContain(token);

    const revoked = await cli(['tokens', 'revoke', id]);
    expect(revoked).toEqual({ code: 0, out: `revoked token ${id}\n` });
    expect((await f.svc.api('GET', '/api/credentials/orgs/acme/users/sam/assertions/', { token })).status).toBe(401);
    const afterRevoke = await cli(['tokens', 'list', '--user-id', 'sam']);
    expect(afterRevoke.code, afterRevoke.out).toBe(0);
    expect(afterRevoke.out).not.toContain(id);
    const all = await cli(['tokens', 'list', '--user-id', 'sam', '--all', '--json']);
    const rows = JSON.parse(all.out) as { id: string; revoked_at: string | null }[];
    expect(rows.find((r) => r.id === id)?.revoked_at).toEqual(expect.any(String));
    // A student cannot list the org's tokens: the API's 403, one line.
    const asStudent = await cli(['tokens', 'list'], { BADGEWORKS_TOKEN: f.tokens.sue, BADGEWORKS_USER: 'sue' });
    expect(asStudent.code).toBe(1);
    expect(asStudent.out).toMatch(/^badgeworks: 403: .+\n$/);
  }, 120_000);

  it('API errors print one line and exit 1; usage errors exit 2', async () => {
    const csv = path.join(dir, 'bad.csv');
    writeFileSync(csv, 'user_id,email\ncli1,\n,not-an-email\n');
    const closed = await freePort();
    const [unknown, badToken, down, badCsv, missing, noToken] = await Promise.all([
      cli(['issue', '--credential', 'no-such-credential', '--user-id', 'sue']),
      cli(['tokens', 'list'], { BADGEWORKS_TOKEN: 'bw_not_a_real_token_0123456789' }),
      cli(['tokens', 'list', '--url', `http://127.0.0.1:${closed}`]),
      cli(['issue', '--credential', 'x', '--csv', csv]),
      cli(['credentials', 'create', '--name', 'No issuer']),
      cli(['tokens', 'list'], { BADGEWORKS_TOKEN: '' }),
    ]);
    for (const r of [unknown, badToken, down, badCsv, noToken]) {
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(/^badgeworks: [^\n]+\n$/);
      noStack(r.out);
    }
    expect(unknown.out).toMatch(/^badgeworks: 404: /);
    expect(badToken.out).toMatch(/^badgeworks: 401: /);
    expect(down.out).toBe(`badgeworks: cannot reach http://127.0.0.1:${closed}: ECONNREFUSED\n`);
    expect(badCsv.out).toMatch(/line 3/);
    expect(noToken.out).toMatch(/^badgeworks: no API token: /);
    expect(missing.code).toBe(2);
    expect(missing.out).toMatch(/^badgeworks: missing --issuer\n\nUsage: badgeworks/);
  }, 120_000);

  it('help <command> shows each of them', async () => {
    const help = await cli(['help', 'issue']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: badgeworks issue --credential ID/);
    expect(help.out).toContain('BADGEWORKS_URL');
    const tokens = await cli(['help', 'tokens']);
    expect(tokens.out).toContain('badgeworks tokens list');
    expect(tokens.out).toContain('badgeworks tokens revoke');
  }, 60_000);
});
