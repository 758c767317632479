import type { Redis } from 'ioredis';
import type { RateLimitRule } from '../config.js';

/**
 * The per-org email rate: each email reserves the org's next free send slot, `window / points`
 * apart (a GCRA-style "theoretical arrival time" kept in Redis, shared by every mail worker).
 * A job whose slot is ahead waits (delayed) until exactly then, once: a bulk of 10,000 becomes an
 * even stream instead of every waiting job being fetched and put back at each window. The
 * notifier reserves a whole batch's slots when it enqueues (jobs are created delayed to them);
 * the worker reserves again only for a retry.
 */
const RESERVE = `
local now = tonumber(ARGV[1])
local span = tonumber(ARGV[2]) * tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
redis.call('SET', KEYS[1], tat + span, 'PX', math.ceil(tat + span - now) + 60000)
return tat
`;

export function orgSendSlots(redis: Redis, prefix: string, rule: RateLimitRule) {
  const interval = (rule.seconds * 1000) / rule.points;
  return {
    interval,
    /** The first of `count` consecutive slots (ms since the epoch), `interval` apart: now or later. */
    async reserve(org: string, count = 1): Promise<number> {
      const key = `${prefix}:mail-slot:${org}`;
      return Number(await redis.eval(RESERVE, 1, key, String(Date.now()), String(interval), String(count)));
    },
  };
}
