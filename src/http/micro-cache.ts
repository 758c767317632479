/**
 * A per-process cache for hot public documents, bounded in age and size. Concurrent misses of one
 * key share a single load; a failed load (e.g. a 404) is not remembered. Only for documents whose
 * staleness the HTTP caching headers already allow (they are served with a longer max-age).
 */
export function microCache<T>(opts: { ttlMs: number; maxEntries: number; now?: () => number }) {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { at: number; value: Promise<T> }>();

  return {
    get(key: string, load: () => Promise<T>): Promise<T> {
      const hit = entries.get(key);
      if (hit && now() - hit.at < opts.ttlMs) return hit.value;
      if (hit) entries.delete(key);
      const value = load();
      entries.set(key, { at: now(), value });
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      // Map order is insertion order: the first entry is the oldest.
      while (entries.size > opts.maxEntries) entries.delete(entries.keys().next().value as string);
      return value;
    },
    clear(): void {
      entries.clear();
    },
  };
}
