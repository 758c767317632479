/**
 * A per-process cache for hot public answers, bounded in age and size. Concurrent misses of one
 * key share a single load; a failed load (e.g. a 404) is not remembered. Only for answers whose
 * staleness the documented bound allows (the TTL is that bound).
 *
 * A loaded value may name the tags it depends on (an assertion id): `invalidate(tag)` drops every
 * entry of that tag at once, which is how a revocation reaches the caches of every replica
 * before their TTL (src/cache/invalidation-bus.ts).
 */
/** How long a replica may answer a hot public path from memory: the documented revocation bound. */
export const PUBLIC_CACHE_TTL_MS = 1000;

export interface MicroCache<T> {
  get(key: string, load: () => Promise<T>): Promise<T>;
  /** A loaded, still fresh value, synchronously (the hot path: no promise, no load). */
  peek(key: string): T | undefined;
  /** Drops the entries whose value was tagged so (and the entry of that key). */
  invalidate(tag: string): void;
  clear(): void;
}

export function microCache<T>(opts: {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
  /** Tags of a loaded value, for `invalidate`. */
  tagsOf?: (value: T) => string[];
  /** A loaded value that must not be kept (it is answered, once). */
  keep?: (value: T) => boolean;
  /** When a loaded value stops being true whatever happens (an expiry), if before its TTL. */
  expiresAt?: (value: T) => number | undefined;
}): MicroCache<T> {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { at: number; until?: number; value: Promise<T>; settled?: { value: T } }>();
  const keysByTag = new Map<string, Set<string>>();
  // Loads in flight: their tags are not known yet, so an invalidation drops them too (a load that
  // read the row just before a revocation committed must not be kept for a whole TTL).
  const pending = new Set<string>();

  function drop(key: string): void {
    entries.delete(key);
    pending.delete(key);
  }

  function tag(key: string, value: Promise<T>): void {
    pending.add(key);
    value.then(
      (v) => {
        const entry = entries.get(key);
        if (entry?.value !== value) return;
        pending.delete(key);
        if (opts.keep && !opts.keep(v)) return drop(key);
        entry.until = opts.expiresAt?.(v);
        entry.settled = { value: v };
        for (const t of opts.tagsOf?.(v) ?? []) {
          let keys = keysByTag.get(t);
          if (!keys) keysByTag.set(t, (keys = new Set()));
          keys.add(key);
        }
      },
      () => {
        if (entries.get(key)?.value === value) drop(key);
      },
    );
  }

  const fresh = (e: { at: number; until?: number }, t: number) =>
    t - e.at < opts.ttlMs && !(e.until !== undefined && t >= e.until);

  return {
    peek(key) {
      const hit = entries.get(key);
      return hit?.settled && fresh(hit, now()) ? hit.settled.value : undefined;
    },
    get(key, load) {
      const t = now();
      // Oldest first (insertion order): what has outlived the TTL goes, so a crawl of many
      // assertions does not pin them until the size bound pushes them out.
      for (const [k, e] of entries) {
        if (t - e.at < opts.ttlMs) break;
        drop(k);
      }
      const hit = entries.get(key);
      if (hit && fresh(hit, t)) return hit.value;
      if (hit) drop(key);
      const value = load();
      entries.set(key, { at: now(), value });
      tag(key, value);
      // Map order is insertion order: the first entry is the oldest.
      while (entries.size > opts.maxEntries) drop(entries.keys().next().value as string);
      // The tag index only grows with kept keys; it is pruned of evicted ones when it outgrows them.
      if (keysByTag.size > 2 * opts.maxEntries) {
        for (const [t, keys] of keysByTag) {
          for (const k of keys) if (!entries.has(k)) keys.delete(k);
          if (keys.size === 0) keysByTag.delete(t);
        }
      }
      return value;
    },
    invalidate(t) {
      drop(t);
      for (const key of pending) drop(key);
      for (const key of keysByTag.get(t) ?? []) drop(key);
      keysByTag.delete(t);
    },
    clear() {
      entries.clear();
      pending.clear();
      keysByTag.clear();
    },
  };
}
