import { describe, expect, it } from 'vitest';
import { clientKey, publicKindOf } from '../../../src/http/rate-limit.js';
import { ConfigError, loadConfig } from '../../../src/config.js';

describe('rate limit keys', () => {
  it('an IPv4 client is its address, also IPv4-mapped; an IPv6 client is its /64', () => {
    expect(clientKey('198.51.100.7')).toBe('198.51.100.7');
    expect(clientKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(clientKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    // Every address of one /64 shares a budget, however it is written.
    expect(clientKey('2001:0db8:0001:0002::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2:ffff::9')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey(undefined)).toBe('unknown');
  });

  it('picks the budget of a public route, case-insensitively as Express matches', () => {
    expect(publicKindOf('POST', '/api/credentials/public/verify')).toBe('verify');
    expect(publicKindOf('POST', '/API/Credentials/Public/VERIFY/')).toBe('verify');
    expect(publicKindOf('GET', '/api/credentials/public/verify')).toBe('public');
    for (const f of ['certificate.pdf', 'certificate.png', 'badge.png', 'badge.svg']) {
      expect(publicKindOf('GET', `/api/credentials/public/assertions/abc/${f}`)).toBe('render');
    }
    expect(publicKindOf('GET', '/api/credentials/public/assertions/abc/')).toBe('public');
    expect(publicKindOf('GET', '/v/abc')).toBe('public');
    expect(publicKindOf('GET', '/.well-known/jwks.json')).toBe('public');
    expect(publicKindOf('GET', '/api/admin/orgs')).toBeUndefined();
    expect(publicKindOf('GET', '/healthz')).toBeUndefined();
  });
});

describe('rate limit and proxy config', () => {
  it('has generous defaults, parses windows, and RATE_LIMIT=off disables', () => {
    expect(loadConfig({}).rateLimits).toEqual({
      public: { points: 600, seconds: 60 },
      verify: { points: 120, seconds: 60 },
      render: { points: 300, seconds: 60 },
      api: { points: 3000, seconds: 60 },
      authFailures: { points: 30, seconds: 60 },
    });
    expect(loadConfig({ RATE_LIMIT_API: '10/s' }).rateLimits!.api).toEqual({ points: 10, seconds: 1 });
    expect(loadConfig({ RATE_LIMIT_API: '5000 / hour' }).rateLimits!.api).toEqual({ points: 5000, seconds: 3600 });
    expect(loadConfig({ RATE_LIMIT_API: '70' }).rateLimits!.api).toEqual({ points: 70, seconds: 60 });
    expect(loadConfig({ RATE_LIMIT: 'off' }).rateLimits).toBeUndefined();
  });

  it('TRUST_PROXY: unset trusts nobody; a hop count or named ranges, addresses and CIDRs', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    const list = loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8' }).trustProxy;
    expect(list).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8']);
  });

  it.each([
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', 'proxy.example'],
    ['RATE_LIMIT_PUBLIC', 'lots'],
    ['RATE_LIMIT_VERIFY', '0/min'],
    ['RATE_LIMIT_RENDER', '10/fortnight'],
    ['RATE_LIMIT', 'maybe'],
  ])('a bad %s=%s is one line naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid ${name}=`));
  });
});
