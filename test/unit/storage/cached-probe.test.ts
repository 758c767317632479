import { describe, expect, it } from 'vitest';
import { cachedProbe } from '../../../src/storage/cached-probe.js';

describe('cachedProbe (the /readyz store probe)', () => {
  it('runs the probe at most once per ttl, shares a running probe, and caches a failure for the ttl too', async () => {
    let clock = 1_000;
    let runs = 0;
    let fail = false;
    const probe = cachedProbe(
      async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 5));
        if (fail) throw new Error('store down');
      },
      5_000,
      () => clock,
    );
    // Three polls while one probe runs: one probe.
    await Promise.all([probe(), probe(), probe()]);
    expect(runs).toBe(1);
    clock += 4_999;
    await probe();
    expect(runs).toBe(1);

    // Past the ttl (counted from the end of the last probe): a new probe, which fails.
    fail = true;
    clock += 2;
    await expect(probe()).rejects.toThrow('store down');
    expect(runs).toBe(2);
    // The failure is the answer until the ttl passes, without probing again.
    clock += 1_000;
    await expect(probe()).rejects.toThrow('store down');
    expect(runs).toBe(2);
    // Recovered: seen at the next probe after the ttl.
    fail = false;
    clock += 5_000;
    await probe();
    expect(runs).toBe(3);
  });
});
