import { describe, expect, it } from 'vitest';
import { claimLinkSigner } from '../../../src/exchanges/claim-links.js';
import { walletDeepLinks } from '../../../src/exchanges/wallet-links.js';

const KEY = 'a'.repeat(64);
const DAY = 86_400_000;

describe('claim links (issue 15)', () => {
  const signer = claimLinkSigner(KEY, 30 * DAY);

  it('verify only for the assertion they were made for, until they expire', () => {
    const now = Date.UTC(2026, 11, 4);
    const link = signer.issue('assertion-1', now);
    expect(link.expiresAt.toISOString()).toBe(new Date(now + 30 * DAY).toISOString());
    expect(signer.verify(link.token, 'assertion-1', now)?.assertionId).toBe('assertion-1');
    expect(signer.verify(link.token, 'assertion-2', now)).toBeUndefined();
    expect(signer.verify(link.token, 'assertion-1', now + 30 * DAY)).toBeUndefined();
    expect(signer.verify(link.token, 'assertion-1', now + 30 * DAY - 1000)).toBeDefined();
  });

  it('refuse tampered, re-signed, foreign-key and malformed tokens', () => {
    const { token } = signer.issue('assertion-1');
    const [payload, mac] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 10 * 365 * 86400 })).toString('base64url');
    expect(signer.verify(`${longer}.${mac}`, 'assertion-1')).toBeUndefined();
    const otherPurpose = Buffer.from(JSON.stringify({ ...claims, p: 'login' })).toString('base64url');
    expect(signer.verify(`${otherPurpose}.${mac}`, 'assertion-1')).toBeUndefined();
    expect(claimLinkSigner('b'.repeat(64), 30 * DAY).verify(token, 'assertion-1')).toBeUndefined();
    for (const bad of [
      '',
      '.',
      'abc',
      `${payload}.`,
      `${payload}.${mac}.x`,
      `${payload}.${mac.slice(1)}`,
      'x'.repeat(5000),
    ]) {
      expect(signer.verify(bad, 'assertion-1'), bad.slice(0, 20)).toBeUndefined();
    }
  });
});

describe('wallet deep links', () => {
  it('use the forms the wallets document', () => {
    const exchangeUrl = 'https://badges.example.org/api/credentials/public/exchanges/abc?x=1';
    const links = walletDeepLinks({ origin: 'https://badges.example.org', exchangeUrl, challenge: 'c-1' });
    const request = { credentialRequestOrigin: 'https://badges.example.org', protocols: { vcapi: exchangeUrl } };
    expect(links.lcw).toBe(`dccrequest://request?request=${encodeURIComponent(JSON.stringify(request))}`);
    expect(links.lcwUniversal).toBe(`https://lcw.app/mobile?request=${encodeURIComponent(JSON.stringify(request))}`);
    expect(links.learnCard).toBe(`https://learncard.app/request?vc_request_url=${encodeURIComponent(exchangeUrl)}`);
    const legacy = new URL(links.lcwLegacy.replace('dccrequest://', 'https://x/'));
    expect(Object.fromEntries(legacy.searchParams)).toEqual({
      issuer: 'https://badges.example.org',
      auth_type: 'bearer',
      challenge: 'c-1',
      vc_request_url: exchangeUrl,
    });
  });
});
