import { describe, expect, it } from 'vitest';
import { microCache } from '../../../src/http/micro-cache.js';

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
