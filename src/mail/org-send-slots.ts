import type { Redis } from 'ioredis';
import type { RateLimitRule } from '../config.js';

/**
 * The per-org email rate: each email reserves the org's next free send slot, `window / points`
 * apart (a GCRA-style "theoretical arrival time" kept in Redis, shared by every mail worker).
 * A job whose slot is ahead waits (delayed) until exactly then, once: a bulk of 10,000 becomes an
 * even stream instead of every waiting job being fetched and put back at each window.
 */
const RESERVE = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil(tat + interval - now) + 60000)
return tat
`;

export function orgSendSlots(redis: Redis, prefix: string, rule: RateLimitRule) {
  const interval = (rule.seconds * 1000) / rule.points;
  return {
    /** The instant (ms) this email may be sent: now, or a later slot. */
    async reserve(org: string): Promise<number> {
      const at = await redis.eval(RESERVE, 1, `${prefix}:mail-slot:${org}`, String(Date.now()), String(interval));
      return Number(at);
    },
  };
}
