import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DB_KINDS } from '../../support/databases.js';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';

/**
 * PUBLIC_CACHE_MS=0: every verification reads what may change (the key's retirement, the issuer's
 * name and retirement, the status bit) anew — changes made behind the service's back, with no
 * event to drop anything, show on the very next verification. Only immutable lookups are kept.
 */
describe.each(DB_KINDS)('uncached verification (%s)', (db) => {
  let f: IssuanceFixture;
  beforeAll(async () => {
    f = await startIssuanceService(db, { PUBLIC_CACHE_MS: '0' });
  });
  afterAll(() => f?.svc.stop());

  const verify = async (body: unknown) =>
    (await f.svc.api('POST', '/api/credentials/public/verify', { token: null, body })).body as {
      verified: boolean;
      checks: { check: string; ok: boolean; detail: string }[];
    };
  const check = (r: Awaited<ReturnType<typeof verify>>, name: string) => r.checks.find((c) => c.check === name);

  it('sees a renamed issuer, a key retired before the issue and a revocation on the next verification', async () => {
    const rt = f.svc.service.runtime;
    const issuer = await f.issuer({ name: 'Fresh Academy' });
    const credential = await f.credential(issuer, { name: 'Fresh' });
    const issued = await f.as('alice')('POST', `/${credential}/assertions/`, {
      body: { recipient: { user_id: 'sam' } },
    });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    const jwt = (await f.get(issued.body.result.credential_jwt)).text;
    const id: string = issued.body.result.entityId;

    const first = await verify({ jwt });
    expect(first.verified, JSON.stringify(first.checks)).toBe(true);
    expect(check(first, 'issuer')?.detail).toBe('Issued by Fresh Academy.');
    expect(check(first, 'signature')?.ok).toBe(true);

    await rt.db.updateTable('issuers').set({ name: 'Renamed Academy' }).where('id', '=', issuer).execute();
    for (const body of [{ jwt }, { assertion_id: id }]) {
      const r = await verify(body);
      expect(r.verified).toBe(true);
      expect(check(r, 'issuer')?.detail).toBe('Issued by Renamed Academy.');
    }

    await rt.db
      .updateTable('issuer_keys')
      .set({ retired_at: sql<Date>`now() - interval '1 day'` })
      .where('issuer_id', '=', issuer)
      .execute();
    const retired = await verify({ jwt });
    expect(check(retired, 'issuer')).toMatchObject({ ok: false, detail: expect.stringContaining('key was retired') });
    await rt.db.updateTable('issuer_keys').set({ retired_at: null }).where('issuer_id', '=', issuer).execute();
    expect((await verify({ jwt })).verified).toBe(true);

    await rt.db.updateTable('assertions').set({ revoked_at: new Date() }).where('id', '=', id).execute();
    const revoked = await verify({ jwt });
    expect(revoked.verified).toBe(false);
    expect(check(revoked, 'revocation')?.ok).toBe(false);
  });
});
