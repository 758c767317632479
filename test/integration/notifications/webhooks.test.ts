import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { DB_KINDS } from '../../support/databases.js';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';
import { startReceiver, waitUntil, type EventJson, type Receiver } from './receiver.js';
import { webhookDeliveries } from '../../../src/metrics/domain-metrics.js';

/** The process's webhook delivery counter (what /metrics shows) for one outcome. */
const deliveredCount = async (outcome: string) =>
  (await webhookDeliveries.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

interface Attempt {
  status_code: number | null;
  duration_ms: number;
  response: string | null;
  error: string | null;
}
interface Delivery {
  id: string;
  status: string;
  attempts: number;
  attempt_log: Attempt[];
}
type FeedEvent = EventJson & { cursor: string };

/**
 * Webhooks out and the change feed against a real receiver on 127.0.0.1 (allowed here by
 * WEBHOOK_ALLOWED_ADDRESSES; the refusals of private addresses are in webhook-ssrf.test.ts).
 */
describe.each(DB_KINDS)('webhooks and the change feed (%s)', (db) => {
  let f: IssuanceFixture;
  let rx: Receiver;
  let credentialId: string;
  const behaviours = new Map<
    string,
    (nth: number, json: EventJson | undefined) => { status: number; delayMs?: number }
  >();

  beforeAll(async () => {
    rx = await startReceiver((path, nth, json) => behaviours.get(path)?.(nth, json) ?? { status: 200 });
    f = await startIssuanceService(db, {
      WORKERS: 'issuance,webhooks',
      WEBHOOK_ALLOW_HTTP: 'on',
      WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1',
      WEBHOOK_BACKOFF_MS: '100',
      WEBHOOK_ATTEMPTS: '4',
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_DISABLE_AFTER: '6',
    });
    credentialId = await f.credential(await f.issuer());
  });
  afterAll(async () => {
    await f?.svc.stop();
    await rx?.close();
  });

  const alice = () => f.as('alice');
  async function endpoint(path: string, events?: string[]) {
    const r = await alice()('POST', '/webhooks', { body: { url: rx.base + path, ...(events && { events }) } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.result as { id: string; secret: string };
  }
  async function issue(user: string, body: Record<string, unknown> = {}) {
    const r = await alice()('POST', `/${credentialId}/assertions/`, {
      body: { recipient: { user_id: user, email: `${user}@example.org`, name: `User <${user}>` }, ...body },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.result.entityId as string;
  }
  const revoke = async (id: string) =>
    expect(
      (await alice()('PUT', `/assertions/${id}`, { body: { revoked: true, revocationReason: 'oops' } })).status,
    ).toBe(200);
  const at = (path: string) => rx.received.filter((r) => r.path === path);
  const deliveries = async (endpointId: string) =>
    (await alice()('GET', `/webhooks/${endpointId}/deliveries`)).body.result.data as Delivery[];

  it('signs each delivery per Standard Webhooks, in order issued → revoked, and the feed shows the same bodies', async () => {
    const ep = await endpoint('/signed');
    const id = await issue('w1');
    await revoke(id);
    await waitUntil(
      () => at('/signed').filter((r) => r.json?.data?.assertion_id === id).length >= 2,
      20_000,
      'two deliveries',
    );
    const got = at('/signed').filter((r) => r.json?.data.assertion_id === id);
    expect(got.map((r) => r.json?.type)).toEqual(['assertion.issued', 'assertion.revoked']);
    const verifier = new Webhook(ep.secret);
    for (const r of got) {
      expect(verifier.verify(r.body, r.headers)).toEqual(r.json);
      expect(r.headers['webhook-id']).toBe(r.json?.id);
      // A tampered body fails.
      expect(() => verifier.verify(r.body.replace('w1', 'w2'), r.headers)).toThrow();
    }
    expect(got[0].json).toMatchObject({
      type: 'assertion.issued',
      org: 'acme',
      data: {
        assertion_id: id,
        credential_id: credentialId,
        recipient: { user_id: 'w1', email: 'w1@example.org', name: 'User <w1>' },
        verification_url: `${f.svc.url}/v/${id}`,
      },
    });

    // The change feed: the same bodies, in order, cursor-paginated.
    const page1 = (await alice()('GET', '/events?limit=1')).body.result;
    expect(page1.events).toHaveLength(1);
    const all: FeedEvent[] = [];
    let cursor = '';
    for (let i = 0; i < 50; i++) {
      const page = (await alice()('GET', `/events?limit=2&after=${cursor}`)).body.result;
      all.push(...page.events);
      if (page.events.length === 0) break;
      cursor = page.next_cursor;
    }
    const mine = all.filter((e) => e.data.assertion_id === id);
    expect(mine.map((e) => e.type)).toEqual(['assertion.issued', 'assertion.revoked']);
    const { cursor: _c, ...issuedBody } = mine[0];
    expect(issuedBody).toEqual(got[0].json);
    const seqs = all.map((e) => Number(e.cursor));
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    // Another org sees none of it; students are refused.
    expect((await f.as('gina')('GET', '/events')).body.result.events).toEqual([]);
    expect((await f.as('sam')('GET', '/events')).status).toBe(403);
    await alice()('DELETE', `/webhooks/${ep.id}`);
  });

  it('retries a 500 and a timeout, logging each attempt, and keeps issued before revoked while retrying', async () => {
    behaviours.set('/flaky', (nth) => (nth <= 2 ? { status: 500 } : { status: 204 }));
    behaviours.set('/slow', (nth) => (nth === 1 ? { status: 200, delayMs: 2500 } : { status: 200 }));
    // Issued events fail twice; the revocation right behind them must wait for them.
    behaviours.set('/ordered', (_n, json) =>
      json?.type === 'assertion.issued' && at('/ordered').filter((r) => r.json?.type === 'assertion.issued').length < 2
        ? { status: 503 }
        : { status: 200 },
    );
    const retriedBefore = await deliveredCount('retrying');
    const succeededBefore = await deliveredCount('succeeded');
    const flaky = await endpoint('/flaky', ['assertion.issued']);
    const slow = await endpoint('/slow', ['assertion.issued']);
    const ordered = await endpoint('/ordered', ['assertion.issued', 'assertion.revoked']);
    const id = await issue('w2');
    await revoke(id);

    await waitUntil(async () => (await deliveries(flaky.id))[0]?.status === 'succeeded', 20_000, 'flaky delivered');
    const [d] = await deliveries(flaky.id);
    expect(d.attempts).toBe(3);
    expect(d.attempt_log.map((a) => a.status_code)).toEqual([500, 500, 204]);
    expect(d.attempt_log[0].response).toContain('answer 500');
    expect(d.attempt_log[0].duration_ms).toEqual(expect.any(Number));

    await waitUntil(async () => (await deliveries(slow.id))[0]?.status === 'succeeded', 20_000, 'slow delivered');
    const [s] = await deliveries(slow.id);
    expect(s.attempt_log[0].error).toMatch(/timed out/);
    expect(s.attempt_log.at(-1)?.status_code).toBe(200);

    await waitUntil(
      () => at('/ordered').some((r) => r.json?.type === 'assertion.revoked'),
      20_000,
      'revoked delivered',
    );
    const okOrder = at('/ordered')
      .filter((r) => r.answered === 200)
      .map((r) => r.json?.type);
    expect(okOrder).toEqual(['assertion.issued', 'assertion.revoked']);
    // Issue 17: the metrics count each attempt (2 for flaky, 1 for slow, 2 for ordered retried).
    expect((await deliveredCount('retrying')) - retriedBefore).toBeGreaterThanOrEqual(5);
    expect((await deliveredCount('succeeded')) - succeededBefore).toBeGreaterThanOrEqual(4);
    for (const ep of [flaky, slow, ordered]) await alice()('DELETE', `/webhooks/${ep.id}`);
  });

  it('disables an endpoint after the failure streak; an admin re-enables it; a delivery can be sent again', async () => {
    let up = false;
    behaviours.set('/down', () => ({ status: up ? 200 : 500 }));
    const ep = await endpoint('/down', ['assertion.issued']);
    await issue('w3');
    await issue('w4');
    await waitUntil(
      async () => (await alice()('GET', `/webhooks/${ep.id}`)).body.result.enabled === false,
      30_000,
      'endpoint disabled',
    );
    const disabled = (await alice()('GET', `/webhooks/${ep.id}`)).body.result;
    expect(disabled.disabled_reason).toMatch(/6 failed attempts/);
    await waitUntil(async () => (await deliveries(ep.id)).every((d) => d.status === 'failed'), 20_000, 'failed');
    const before = at('/down').length;
    // While disabled, new events are not delivered.
    await issue('w5');
    await new Promise((r) => setTimeout(r, 500));
    expect(at('/down').length).toBe(before);

    up = true;
    const re = await alice()('PUT', `/webhooks/${ep.id}`, { body: { enabled: true } });
    expect(re.body.result).toMatchObject({ enabled: true, failure_streak: 0, disabled_reason: null });
    const [last] = await deliveries(ep.id);
    const r = await alice()('POST', `/webhooks/${ep.id}/deliveries/${last.id}/redeliver`);
    expect(r.status).toBe(202);
    await waitUntil(async () => (await deliveries(ep.id))[0].status === 'succeeded', 20_000, 'redelivered');
  });

  it('rotates the secret: both signatures are sent during the overlap', async () => {
    const ep = await endpoint('/rotate', ['assertion.issued']);
    const rotated = (await alice()('POST', `/webhooks/${ep.id}/rotate-secret`)).body.result;
    expect(rotated.secret).not.toBe(ep.secret);
    await issue('w6');
    await waitUntil(() => at('/rotate').length > 0, 20_000, 'delivery');
    const r = at('/rotate')[0];
    expect(r.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(ep.secret).verify(r.body, r.headers)).toBeTruthy();
    expect(new Webhook(rotated.secret).verify(r.body, r.headers)).toBeTruthy();
  });

  it('refuses endpoint URLs that are not https (unless allowed) or point at private addresses', async () => {
    for (const url of [
      'https://10.0.0.1/hook',
      'http://[::1]:8080/hook',
      'https://169.254.169.254/',
      'ftp://example.org/',
    ]) {
      const r = await alice()('POST', '/webhooks', { body: { url } });
      expect(r.status, url).toBe(400);
    }
    expect((await f.as('sam')('POST', '/webhooks', { body: { url: rx.base } })).status).toBe(403);
  });
});
