import { describe, expect, it } from 'vitest';
import { microCache } from '../../../src/cache/micro-cache.js';

describe('microCache', () => {
  it('reuses a value within its TTL, reloads after, and shares one load between concurrent misses', async () => {
    let t = 0;
    let loads = 0;
    const cache = microCache<number>({ ttlMs: 1000, maxEntries: 10, now: () => t });
    const load = async () => ++loads;
    const [a, b] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
    t = 999;
    expect(await cache.get('k', load)).toBe(1);
    t = 1000;
    expect(await cache.get('k', load)).toBe(2);
  });

  it('forgets failed loads and evicts the oldest entry beyond its size', async () => {
    const cache = microCache<string>({ ttlMs: 60_000, maxEntries: 2 });
    await expect(cache.get('x', async () => Promise.reject(new Error('404')))).rejects.toThrow('404');
    expect(await cache.get('x', async () => 'found')).toBe('found');
    await cache.get('y', async () => 'y');
    await cache.get('z', async () => 'z');
    // 'x' was the oldest: evicted, so it loads again.
    expect(await cache.get('x', async () => 'reloaded')).toBe('reloaded');
    expect(await cache.get('z', async () => 'not reloaded')).toBe('z');
  });
});

describe('microCache invalidation', () => {
  it('drops every entry tagged with an id, and a load still in flight when the id changed', async () => {
    const cache = microCache<{ id: string; n: number }>({ ttlMs: 60_000, maxEntries: 100, tagsOf: (v) => [v.id] });
    let n = 0;
    await cache.get('jwt-of-a', async () => ({ id: 'a', n: ++n }));
    await cache.get('jwt-of-b', async () => ({ id: 'b', n: ++n }));
    let release!: () => void;
    const inFlight = cache.get('page-of-a', () => new Promise((r) => (release = () => r({ id: 'a', n: ++n }))));
    cache.invalidate('a');
    release();
    await inFlight;
    expect((await cache.get('jwt-of-a', async () => ({ id: 'a', n: ++n }))).n).toBe(4);
    expect((await cache.get('page-of-a', async () => ({ id: 'a', n: ++n }))).n).toBe(5);
    expect((await cache.get('jwt-of-b', async () => ({ id: 'b', n: ++n }))).n).toBe(2);
  });

  it('keeps only what `keep` accepts, and nothing past its own expiry', async () => {
    let t = 0;
    const cache = microCache<{ ok: boolean; until?: number }>({
      ttlMs: 60_000,
      maxEntries: 10,
      now: () => t,
      keep: (v) => v.ok,
      expiresAt: (v) => v.until,
    });
    let loads = 0;
    await cache.get('forged', async () => (loads++, { ok: false }));
    await cache.get('forged', async () => (loads++, { ok: false }));
    expect(loads).toBe(2);
    await cache.get('expiring', async () => (loads++, { ok: true, until: 500 }));
    t = 499;
    await cache.get('expiring', async () => (loads++, { ok: true, until: 500 }));
    expect(loads).toBe(3);
    t = 500;
    await cache.get('expiring', async () => (loads++, { ok: true }));
    expect(loads).toBe(4);
  });
});
