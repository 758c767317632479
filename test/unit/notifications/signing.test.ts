import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signature, signedHeaders } from '../../../src/webhooks/signing.js';

describe('Standard Webhooks signatures', () => {
  it('matches the published test vector', () => {
    // From the Standard Webhooks / Svix reference libraries' tests.
    const sig = signature(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(sig).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies with the standardwebhooks package, with one or two secrets', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    const body = JSON.stringify({ type: 'assertion.issued', data: { x: 1 } });
    const ts = Math.floor(Date.now() / 1000);
    const one = signedHeaders([a], 'evt_1', ts, body);
    expect(new Webhook(a).verify(body, one)).toEqual(JSON.parse(body));
    expect(() => new Webhook(b).verify(body, one)).toThrow();
    const two = signedHeaders([b, a], 'evt_1', ts, body);
    expect(new Webhook(a).verify(body, two)).toBeTruthy();
    expect(new Webhook(b).verify(body, two)).toBeTruthy();
    expect(new Webhook(a).sign('evt_1', new Date(ts * 1000), body)).toBe(one['webhook-signature']);
  });
});
