import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { orgSendGate } from '../../../src/mail/org-send-gate.js';

/** The hard per-org email rate at sending time, on the run's real redis-server. */
describe('org send gate', () => {
  const redis = new Redis(inject('redisUrl'));
  const prefix = `bwgate-${randomBytes(4).toString('hex')}`;
  afterAll(() => redis.disconnect());

  it('admits `points` sends per window, says how long until the next fits, and keeps orgs apart', async () => {
    const gate = orgSendGate(redis, prefix, { points: 5, seconds: 1 });
    // A backlog arriving at once: only the window's worth goes.
    const waits = await Promise.all(Array.from({ length: 8 }, (_, i) => gate.acquire('acme', `m${i}`)));
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
    for (const w of waits.filter((x) => x > 0)) {
      expect(w).toBeGreaterThan(0);
      // The window is the period plus its margin (100 ms for a 1 s period).
      expect(w).toBeLessThanOrEqual(1100);
    }
    // Another org has its own window.
    expect(await gate.acquire('globex', 'g1')).toBe(0);
    // Once the oldest sends leave the window, there is room again.
    await new Promise((r) => setTimeout(r, Math.max(...waits)));
    expect(await gate.acquire('acme', 'later')).toBe(0);
  });
});
