import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from '../../support/databases.js';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';

/**
 * The revocation check of a verification reads one status entry: verifying a credential whose
 * list holds 100,000 entries costs what it costs on a list of 50. (It used to read every revoked
 * index of the list: a verification on an ~88k-entry list took 480 ms.)
 */
const BIG = 100_000;
const ROUNDS = 60;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe.each(DB_KINDS)('status check cost (%s)', (db) => {
  let f: IssuanceFixture;
  beforeAll(async () => {
    f = await startIssuanceService(db, { ISSUE_WAIT_MS: '20000' });
  });
  afterAll(() => f?.svc.stop());

  const issue = async (credentialId: string, user: string) => {
    const r = await f.as('alice')('POST', `/${credentialId}/assertions/`, { body: { recipient: { user_id: user } } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const row = await f.svc.service.runtime.db
      .selectFrom('assertions')
      .select(['id', 'status_list_id', 'status_list_index'])
      .where('credential_id', '=', credentialId)
      .where('recipient_user_id', '=', user)
      .executeTakeFirstOrThrow();
    return row;
  };
  const verify = async (assertionId: string) => {
    const t = performance.now();
    const body = { assertion_id: assertionId };
    const r = await f.svc.api('POST', '/api/credentials/public/verify', { token: null, body });
    const ms = performance.now() - t;
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return { ms, body: r.body };
  };
  const revocation = (body: any) => body.checks.find((c: any) => c.check === 'revocation');

  it(`verifying on a ${BIG.toLocaleString('en')}-entry list stays within 2× of a 50-entry list`, async () => {
    const rt = f.svc.service.runtime;
    // Small: a list of 50 credentials, issued for real.
    const smallCredential = await f.credential(await f.issuer({ name: 'Small lists' }), { name: 'Small' });
    const users = Array.from({ length: 50 }, (_, i) => ({ user_id: `v${i}`, email: `v${i}@example.org` }));
    const bulk = await f.as('alice')('POST', `/${smallCredential}/assertions/bulk/`, { body: { users } });
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(201);
    expect(bulk.body.issued).toHaveLength(50);
    const small = await rt.db
      .selectFrom('assertions')
      .select('id')
      .where('credential_id', '=', smallCredential)
      .where('recipient_user_id', '=', 'v7')
      .executeTakeFirstOrThrow();

    // Big: credentials issued for real, then their list filled by SQL with 100,000 more entries, a tenth revoked.
    const bigIssuer = await f.issuer({ name: 'Big lists' });
    const bigCredential = await f.credential(bigIssuer, { name: 'Big' });
    const big = await issue(bigCredential, 'sam');
    const revokedTarget = await issue(bigCredential, 'sue');
    await sql`
      insert into assertions (id, org, credential_id, issuer_id, recipient_user_id, salt, issued_on, created_by,
        status_list_id, status_list_index, signing_key_id, credential_json, credential_jwt, revoked_at)
      select 'seed-' || n, 'acme', ${bigCredential}, ${bigIssuer}, 'seed-' || n, 's', now(), 'seed',
        ${big.status_list_id}, idx, 'seed', '{}', 'seed', case when n % 10 = 0 then now() end
      from (select row_number() over () as n, idx from generate_series(0, 131071) idx
            where idx not in (${big.status_list_index}, ${revokedTarget.status_list_index})) s
      where n <= ${BIG}`.execute(rt.db);
    const entries = await rt.db
      .selectFrom('assertions')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('status_list_id', '=', big.status_list_id)
      .executeTakeFirstOrThrow();
    expect(entries.n).toBe(BIG + 2);
    await sql`analyze assertions`.execute(rt.db);

    // The bit is right on the big list: set for a revoked credential only.
    const revokeBody = { revoked: true, revocationReason: 'Test' };
    const revoke = await f.as('alice')('PUT', `/assertions/${revokedTarget.id}`, { body: revokeBody });
    expect(revoke.status, JSON.stringify(revoke.body)).toBe(200);
    const revokedCheck = revocation((await verify(revokedTarget.id)).body);
    expect(revokedCheck).toMatchObject({ ok: false, detail: expect.stringMatching(/Revoked/) });
    const first = await verify(big.id);
    expect(first.body.verified, JSON.stringify(first.body.checks)).toBe(true);
    expect(revocation(first.body).ok).toBe(true);
    expect((await verify(small.id)).body.verified).toBe(true);

    // Interleaved, so both sides share whatever else the machine is doing.
    const times = { small: [] as number[], big: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      times.small.push((await verify(small.id)).ms);
      times.big.push((await verify(big.id)).ms);
    }
    const [s, b] = [median(times.small), median(times.big)];
    console.log(
      `status check cost (${db}): median verify ${s.toFixed(1)} ms on 50 entries, ${b.toFixed(1)} ms on ${BIG}`,
    );
    expect(b, `median ${b.toFixed(1)} ms on ${BIG} entries vs ${s.toFixed(1)} ms on 50`).toBeLessThanOrEqual(2 * s);
  }, 180_000);
});
