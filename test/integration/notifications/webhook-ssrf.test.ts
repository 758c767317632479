import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressPolicy } from '../../../src/webhooks/address-policy.js';
import { sendWebhook } from '../../../src/webhooks/webhook-sender.js';
import { startReceiver, type Receiver } from './receiver.js';

/**
 * The sender refuses private, loopback and link-local targets by IP literal and, for hostnames, at
 * connect time (the request's own `lookup`), and never follows a redirect.
 */
describe('webhook sender: SSRF', () => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver((path) =>
      path === '/redirect' ? { status: 302, location: `${rx.base}/target` } : { status: 200 },
    );
  });
  afterAll(() => rx?.close());

  const strict = addressPolicy([]);
  const send = (url: string, policy = strict) =>
    sendWebhook(url, '{}', {}, { policy, timeoutMs: 2000, allowHttp: true });

  it('refuses 127.0.0.1, 10.0.0.1, [::1] and a hostname resolving to 127.0.0.1, sending nothing', async () => {
    for (const url of [
      `${rx.base}/direct`,
      'http://10.0.0.1/x',
      `http://[::1]:${rx.port}/v6`,
      `http://localhost:${rx.port}/by-name`,
      'http://169.254.169.254/latest/meta-data',
      `http://[::ffff:127.0.0.1]:${rx.port}/mapped`,
      `http://0.0.0.0:${rx.port}/zero`,
    ]) {
      const r = await send(url);
      expect(r.ok, url).toBe(false);
      expect(r.statusCode, url).toBeNull();
      expect(r.error, url).toMatch(/private, loopback or reserved/);
    }
    expect(rx.received).toEqual([]);
  });

  it('checks hostnames when connecting, not only when saved', async () => {
    // The same hostname passes a policy that exempts loopback and is refused by one that does not.
    const exempt = addressPolicy(['127.0.0.1/32', '::1']);
    expect((await send(`http://localhost:${rx.port}/ok`, exempt)).ok).toBe(true);
    const r = await send(`http://localhost:${rx.port}/refused`, strict);
    expect(r.error).toMatch(/localhost resolves to/);
    expect(rx.received.map((x) => x.path)).toEqual(['/ok']);
  });

  it('connects to the address the policy resolved, not to one resolved before (DNS rebinding)', async () => {
    // A name that only the policy's lookup can resolve: a sender that resolved it any other way, or
    // connected without the policy's lookup, would fail with ENOTFOUND instead of being refused.
    const rebinding = {
      ...strict,
      lookup: ((_host: string, options: unknown, callback: unknown) =>
        (strict.lookup as (h: string, o: unknown, c: unknown) => void)(
          'localhost',
          options,
          callback,
        )) as typeof strict.lookup,
    };
    const r = await send(`http://rebinding.invalid:${rx.port}/rebound`, rebinding);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/localhost resolves to/);
    expect(rx.received.some((x) => x.path === '/rebound')).toBe(false);
  });

  it('does not follow a redirect', async () => {
    const r = await send(`${rx.base}/redirect`, addressPolicy(['127.0.0.1']));
    expect(r).toMatchObject({ ok: false, statusCode: 302 });
    expect(r.error).toMatch(/redirect to .*\/target not followed/);
    expect(rx.received.some((x) => x.path === '/target')).toBe(false);
  });

  it('refuses http: unless allowed', async () => {
    const r = await sendWebhook(
      `${rx.base}/plain`,
      '{}',
      {},
      {
        policy: addressPolicy(['127.0.0.1']),
        timeoutMs: 1000,
        allowHttp: false,
      },
    );
    expect(r.error).toMatch(/protocol http: not allowed/);
  });

  it('permits public addresses', () => {
    for (const a of ['93.184.215.14', '1.1.1.1', '2606:4700:4700::1111']) expect(strict.permits(a), a).toBe(true);
    for (const a of ['192.168.1.1', '172.16.0.1', '100.64.0.1', 'fd00::1', 'fe80::1', '::', '224.0.0.1']) {
      expect(strict.permits(a), a).toBe(false);
    }
  });
});
