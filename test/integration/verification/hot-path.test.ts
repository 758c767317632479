import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { verificationPageCsp } from '../../../src/verification/verification-page.js';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';

/**
 * Issue 18: a cached public answer (the assertion JSON, the verification page) leaves before the
 * router from prepared bytes (src/http/public-answers.ts). It must be the same answer the route
 * gives — body, validator and every header, helmet's included — and keep the route's rules: a
 * claim link is never served from memory, conditional GETs get 304, revocation drops it, the
 * metrics name the route, and a per-process budget still bounds one address.
 */
const METRICS_TOKEN = 'metrics-scrape-token-hotpath-0123';
const PUBLIC_BUDGET = 40;

describe('cached public answers before the router', () => {
  let f: IssuanceFixture;
  let id: string;
  let assertionUrl: string;

  beforeAll(async () => {
    f = await startIssuanceService('pglite', {
      // A minute: the second request finds its answer cached however slow the first was.
      PUBLIC_CACHE_MS: '60000',
      RATE_LIMIT_PUBLIC: `${PUBLIC_BUDGET}/min`,
      METRICS_TOKEN,
    });
    const credential = await f.credential(await f.issuer());
    const issued = await f.as('alice')('POST', `/${credential}/assertions/`, {
      body: { recipient: { user_id: 'sam' } },
    });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    id = issued.body.result.entityId;
    assertionUrl = `${f.svc.url}/api/credentials/public/assertions/${id}/`;
  });
  afterAll(async () => {
    await f?.svc.stop();
  });

  // Per-request headers (date, request id, connection) aside, both paths must answer alike.
  const comparable = (r: Response) => {
    const out: Record<string, string> = {};
    r.headers.forEach((value, name) => {
      if (!['date', 'x-request-id', 'connection', 'keep-alive'].includes(name)) out[name] = value;
    });
    return out;
  };

  it('answers the second request from memory with the route’s own bytes and headers', async () => {
    const first = await fetch(assertionUrl, { headers: { accept: 'application/json' } });
    const firstBody = await first.text();
    expect(first.status).toBe(200);
    // Behind the services' back: the route would read this, the cached answer does not.
    const db = f.svc.service.runtime.db;
    await db.updateTable('assertions').set({ recipient_name: 'Changed Behind' }).where('id', '=', id).execute();

    // What only the hot path does: the route would spend the shared (Redis) public budget.
    const redis = new Redis(inject('redisUrl'));
    const spent = async () => {
      const keys = await redis.keys(`${f.svc.service.runtime.redis.prefix}:ratelimit:public:*`);
      return keys.length ? Number(await redis.get(keys[0])) : 0;
    };
    const spentBefore = await spent();
    expect(spentBefore, 'the first answer came through the route').toBeGreaterThan(0);
    const second = await fetch(assertionUrl, { headers: { accept: 'application/json' } });
    expect(await spent()).toBe(spentBefore);
    await redis.quit();
    expect(await second.text()).toBe(firstBody);
    expect(comparable(second)).toEqual(comparable(first));
    expect(second.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(second.headers.get('x-content-type-options')).toBe('nosniff');
    expect(second.headers.get('access-control-allow-origin')).toBe('*');
    expect(second.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(second.headers.get('vary')).toMatch(/accept/i);
    expect(second.headers.get('etag')).toMatch(/^W\/"/);

    const revalidated = await fetch(assertionUrl, {
      headers: { accept: 'application/json', 'if-none-match': second.headers.get('etag')! },
    });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe('');
    const head = await fetch(assertionUrl, { method: 'HEAD', headers: { accept: 'application/json' } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(firstBody)));
  });

  it('serves the page to browsers on both URLs, tracking queries included; a claim link never from memory', async () => {
    const page = await fetch(`${f.svc.url}/v/${id}`);
    const html = await page.text();
    expect(page.status).toBe(200);
    // The page's own CSP, not helmet's default.
    expect(page.headers.get('content-security-policy')).toBe(verificationPageCsp(f.svc.service.runtime.urls.base));

    const db = f.svc.service.runtime.db;
    await db.updateTable('assertions').set({ recipient_name: 'Renamed Again' }).where('id', '=', id).execute();
    const again = await fetch(`${f.svc.url}/v/${id}?utm_source=share&fbclid=x`);
    expect(await again.text()).toBe(html);
    expect(comparable(again)).toEqual(comparable(page));
    const negotiated = await fetch(assertionUrl, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(await negotiated.text()).toBe(html);

    // A claim link's page is the route's, built for this request: the cached page says public.
    const claim = await fetch(`${f.svc.url}/v/${id}?claim=not-a-real-token`);
    expect(claim.status).toBe(200);
    expect(claim.headers.get('cache-control')).toBe('private, no-store');
    expect(again.headers.get('cache-control')).toBe('public, max-age=60');
  });

  it('names the route in the metrics, and drops the answer when the assertion is revoked', async () => {
    // The GET 200 count of the assertion route; a request answered before the router must add one.
    const served = async () => {
      const text = await (
        await fetch(`${f.svc.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
      ).text();
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('http_requests_total{') &&
            l.includes('route="/api/credentials/public/assertions/:entity_id/"') &&
            l.includes('method="GET"') &&
            l.includes('status="200"'),
        );
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const before = await served();
    const cached = await fetch(assertionUrl, { headers: { accept: 'application/json' } });
    expect(cached.status).toBe(200);
    await cached.arrayBuffer();
    expect(await served()).toBe(before + 1);

    const revoked = await f.as('alice')('PUT', `/assertions/${id}`, {
      body: { revoked: true, revocationReason: 'Hot path test' },
    });
    expect(revoked.status).toBe(200);
    const gone = await fetch(assertionUrl, { headers: { accept: 'application/json' } });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ revocationReason: 'Hot path test' });
    expect(await (await fetch(`${f.svc.url}/v/${id}`)).text()).toContain('Revoked');
  });

  it('bounds one address with the public budget even when every answer is cached', async () => {
    const page = `${f.svc.url}/v/${id}`;
    const statuses: number[] = [];
    for (let i = 0; i < PUBLIC_BUDGET + 5; i++) {
      const r = await fetch(page);
      await r.arrayBuffer();
      statuses.push(r.status);
      if (r.status === 429) {
        expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(r.headers.get('access-control-allow-origin')).toBe('*');
        expect(r.headers.get('x-content-type-options')).toBe('nosniff');
        break;
      }
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(PUBLIC_BUDGET);
  });
});
