import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisRetryStrategy, type RedisTarget } from '../queue/queue-set.js';
import type { Logger } from '../logger.js';

/**
 * Tells every process that an assertion's public answers changed (revoked, superseded), so the
 * short in-process caches of the hot public paths (verification page, verify outcomes, public
 * assertion JSON) drop it at once instead of at the end of their TTL. Redis pub/sub: fire and
 * forget, so a message lost while a subscriber reconnects is covered by the TTL every cache keeps
 * anyway (the documented bound holds without the bus; the bus makes it ~milliseconds).
 */
export type AssertionsChanged = (assertionIds: string[]) => void;

export interface InvalidationBus {
  /** Drops the ids here at once and in every other process subscribed to the same Redis. */
  assertionsChanged(assertionIds: string[]): void;
  onAssertionsChanged(listener: AssertionsChanged): void;
  close(): void;
}

const channelOf = (prefix: string) => `${prefix}:invalidate:assertions`;

/** The listeners of one process; the Redis bus adds the other processes. */
function localInvalidationBus(): InvalidationBus {
  const listeners: AssertionsChanged[] = [];
  return {
    assertionsChanged(ids) {
      if (ids.length) for (const l of listeners) l(ids);
    },
    onAssertionsChanged(listener) {
      listeners.push(listener);
    },
    close() {},
  };
}

export function redisInvalidationBus(redis: RedisTarget, logger: Logger): InvalidationBus {
  const local = localInvalidationBus();
  const origin = randomUUID();
  const channel = channelOf(redis.prefix);
  // The offline queue is on: the first publish is sent before the lazily opened connection is
  // ready; during an outage a publish fails after one retry (the TTL covers it).
  const options = { maxRetriesPerRequest: 1, enableOfflineQueue: true, retryStrategy: redisRetryStrategy };
  // Publisher and subscriber are opened lazily: a process that never caches nor changes
  // assertions (a render worker) holds no extra connection.
  let publisher: Redis | undefined;
  let subscriber: Redis | undefined;

  function subscribe(): void {
    subscriber = new Redis(redis.url, options);
    subscriber.on('error', () => {}); // reconnects by itself; the caches' TTL covers the gap
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        const { from, ids } = JSON.parse(message) as { from: string; ids: string[] };
        if (from !== origin && Array.isArray(ids)) local.assertionsChanged(ids.filter((i) => typeof i === 'string'));
      } catch {
        // not ours
      }
    });
    subscriber.subscribe(channel).catch(() => {});
  }

  return {
    assertionsChanged(ids) {
      if (ids.length === 0) return;
      local.assertionsChanged(ids);
      if (!publisher) {
        publisher = new Redis(redis.url, options);
        publisher.on('error', () => {});
      }
      publisher.publish(channel, JSON.stringify({ from: origin, ids })).catch((err: Error) => {
        logger.debug({ err: err.message }, 'cache invalidation not published; other replicas catch up by TTL');
      });
    },
    onAssertionsChanged(listener) {
      local.onAssertionsChanged(listener);
      if (!subscriber) subscribe();
    },
    close() {
      publisher?.disconnect();
      subscriber?.disconnect();
    },
  };
}
