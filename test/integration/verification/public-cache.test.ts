import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from '../../support/databases.js';
import { startTestService, type TestService } from '../../support/harness.js';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';

/**
 * The hot public answers (verification page, verify outcomes, public assertion JSON) are reused
 * in-process; a revocation on one replica must reach the others at once, not after the cache's
 * TTL. The TTL is set to a minute here, so only the invalidation bus can explain a fresh answer.
 */
const CACHE = { PUBLIC_CACHE_MS: '60000' };

describe.runIf(DB_KINDS.includes('postgres'))('cached public answers across two api replicas (postgres)', () => {
  let a: IssuanceFixture;
  let b: TestService;

  beforeAll(async () => {
    a = await startIssuanceService('postgres', CACHE);
    b = await startTestService({
      db: 'postgres',
      database: a.svc.database,
      queuePrefix: a.svc.service.runtime.redis.prefix,
      workers: false,
      env: { ...CACHE, PUBLIC_BASE_URL: a.svc.url },
    });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.svc.stop();
  });

  const onB = (path: string, init: RequestInit = {}) => fetch(b.url + path, init);
  const verifyOnB = async (body: unknown) =>
    (await (
      await onB('/api/credentials/public/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as { verified: boolean; checks: { check: string; ok: boolean }[] };
  const pageOnB = async (id: string) => (await onB(`/v/${id}`)).text();
  const jsonOnB = async (id: string) =>
    (await onB(`/api/credentials/public/assertions/${id}/`, { headers: { accept: 'application/json' } })).status;

  it('replica B answers from memory, and drops the assertion the moment replica A revokes it', async () => {
    const issuer = await a.issuer();
    const credential = await a.credential(issuer);
    const issued = await a.as('alice')('POST', `/${credential}/assertions/`, {
      body: { recipient: { user_id: 'sam' } },
    });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    const id: string = issued.body.result.entityId;
    const jwt = await (await fetch(issued.body.result.credential_jwt)).text();

    // Warm B's caches.
    const first = await verifyOnB({ jwt });
    expect(first.verified, JSON.stringify(first.checks)).toBe(true);
    expect((await verifyOnB({ assertion_id: id })).verified).toBe(true);
    expect(await pageOnB(id)).toContain('Verified');
    expect(await jsonOnB(id)).toBe(200);

    // A change behind the services' back (no event) is not seen while cached: B really answers from memory.
    const db = a.svc.service.runtime.db;
    await db.updateTable('assertions').set({ recipient_name: 'Changed Behind' }).where('id', '=', id).execute();
    expect(await pageOnB(id)).not.toContain('Changed Behind');

    const revoked = await a.as('alice')('PUT', `/assertions/${id}`, {
      body: { revoked: true, revocationReason: 'Awarded in error' },
    });
    expect(revoked.status).toBe(200);

    // Pub/sub crosses in milliseconds; a minute-long TTL could not explain any of these.
    const deadline = Date.now() + 5000;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      const [byJwt, byId, page, json] = await Promise.all([
        verifyOnB({ jwt }),
        verifyOnB({ assertion_id: id }),
        pageOnB(id),
        jsonOnB(id),
      ]);
      seen =
        !byJwt.verified &&
        byJwt.checks.some((c) => c.check === 'revocation' && !c.ok) &&
        !byId.verified &&
        page.includes('Revoked') &&
        page.includes('Changed Behind') &&
        json === 404;
      if (!seen) await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen).toBe(true);
  });
});
