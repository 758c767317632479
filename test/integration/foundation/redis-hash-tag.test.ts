import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { startTestService, type TestService } from '../../support/harness.js';

/**
 * Redis Cluster keeps a multi-key operation to one slot; BullMQ's scripts (and flows across the
 * issuance queue) need every key of the installation in one, which a `{hash tag}` prefix gives.
 * Here on a plain Redis: everything works under QUEUE_PREFIX={…}, and every key it writes carries the tag.
 */
describe('QUEUE_PREFIX as a Redis Cluster hash tag', () => {
  const tag = `{bwtag-${randomBytes(4).toString('hex')}}`;
  let svc: TestService;
  afterAll(async () => {
    await svc?.stop();
  });

  it('issues a single assertion and a bulk, and rate-limits, with every key under the tag', async () => {
    svc = await startTestService({ queuePrefix: tag, env: { ISSUE_WAIT_MS: '10000' } });
    expect((await svc.api('POST', '/api/admin/orgs', { body: { org: 'tag', name: 'Tag' } })).status).toBe(201);
    expect((await svc.api('PUT', '/api/admin/orgs/tag/users/alice', { body: { role: 'platform_admin' } })).status).toBe(
      200,
    );
    const users = ['u1', 'u2', 'u3'].map((user_id) => ({ user_id, role: 'student', email: `${user_id}@example.org` }));
    expect((await svc.api('POST', '/api/admin/orgs/tag/users', { body: { users } })).status).toBe(200);
    const token = (await svc.api('POST', '/api/admin/orgs/tag/users/alice/tokens')).body.result.token as string;
    const as = (method: string, rest: string, body?: unknown) =>
      svc.api(method, `/api/credentials/orgs/tag/users/alice${rest}`, { body, token });
    const issuer = (
      await as('POST', '/issuers/', { name: 'Acme', url: 'https://acme.example.org', email: 'b@acme.example.org' })
    ).body.result.entityId;
    const credential = (await as('POST', '/', { name: 'Tagged', description: 'd', issuer, criteria_text: 'c' })).body
      .result.entityId;
    const single = await as('POST', `/${credential}/assertions/`, { recipient: { user_id: 'u1' } });
    expect(single.status, JSON.stringify(single.body)).toBe(201);
    const bulk = await as('POST', `/${credential}/assertions/bulk/`, { users: ['u2', 'u3'] });
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(201);
    expect([...bulk.body.issued].sort()).toEqual(['u2', 'u3']);

    const redis = new Redis(inject('redisUrl'));
    try {
      const name = tag.slice(1, -1);
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `*${name}*`, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      expect(keys.some((k) => k.includes(':issuance:'))).toBe(true);
      expect(keys.some((k) => k.includes(':ratelimit:'))).toBe(true);
      expect(keys.filter((k) => !k.startsWith(tag))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
