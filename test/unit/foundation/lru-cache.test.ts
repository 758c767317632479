import { describe, expect, it } from 'vitest';
import { LruCache } from '../../../src/lru-cache.js';

describe('LruCache', () => {
  it('stays within its bound, forgetting the least recently used entry first', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // now b is the oldest
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    cache.set('a', 10); // replacing refreshes, never grows
    expect(cache.size).toBe(2);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('getOrLoad: one load shared while it runs; a failed load is forgotten, not a newer one', async () => {
    const cache = new LruCache<string, Promise<number>>(10);
    let loads = 0;
    const load = async () => ++loads;
    const [x, y] = await Promise.all([cache.getOrLoad('k', load), cache.getOrLoad('k', load)]);
    expect([x, y, loads]).toEqual([1, 1, 1]);

    let fail!: (e: Error) => void;
    const failing = cache.getOrLoad('f', () => new Promise<number>((_, reject) => (fail = reject)));
    fail(new Error('down'));
    await expect(failing).rejects.toThrow('down');
    await expect(cache.getOrLoad('f', load)).resolves.toBe(2);

    // A failure that settles after the entry was replaced leaves the replacement alone.
    let late!: (e: Error) => void;
    const stale = cache.getOrLoad('r', () => new Promise<number>((_, reject) => (late = reject)));
    cache.set('r', Promise.resolve(7));
    late(new Error('late'));
    await expect(stale).rejects.toThrow('late');
    await expect(cache.getOrLoad('r', load)).resolves.toBe(7);
  });
});
