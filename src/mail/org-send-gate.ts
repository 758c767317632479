import type { Redis } from 'ioredis';
import type { RateLimitRule } from '../config.js';

/**
 * The per-org email rate as a hard limit at the moment of sending: a sliding window of the sends
 * of the last `seconds` (a sorted set in Redis, shared by every mail worker). Send slots
 * (org-send-slots.ts) spread a bulk's emails evenly, but a job runs at its slot or later: after a
 * stall (a busy worker, a restart) the late ones would go out together, faster than the rate. The
 * gate admits a send only while the window has room, and otherwise says how long until it does.
 */
const ACQUIRE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local points = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < points then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, math.ceil(tonumber(oldest[2]) + window - now))
`;

export function orgSendGate(redis: Redis, prefix: string, rule: RateLimitRule) {
  // A little longer than the period (10%, 100 ms to 1 s): a message admitted at the start of a
  // window may reach the server late, beside ones admitted a period later; the margin keeps the
  // server's own count of any period within the limit too (the bench saw 208 at 200/s without it).
  const period = rule.seconds * 1000;
  const window = period + Math.min(Math.max(period / 10, 100), 1000);
  return {
    /** 0: send now (counted); otherwise the ms until the window has room (nothing counted). */
    async acquire(org: string, sendId: string): Promise<number> {
      const key = `${prefix}:mail-gate:${org}`;
      return Number(await redis.eval(ACQUIRE, 1, key, String(Date.now()), String(window), String(rule.points), sendId));
    },
  };
}
