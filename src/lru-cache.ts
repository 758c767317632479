/**
 * A bounded map that forgets the least recently used entry first. For material that never
 * changes under its key (a key by its id, a DID document of a did:key), so no expiry is needed.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly max: number) {}

  get(key: K): V | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as K);
  }

  /**
   * The value under `key`, loaded once by `load` and shared by every caller while it loads. A load
   * that fails is forgotten (the next call tries again) rather than kept as the answer, unless the
   * entry was replaced meanwhile.
   */
  getOrLoad<T>(this: LruCache<K, Promise<T>>, key: K, load: () => Promise<T>): Promise<T> {
    const hit = this.get(key);
    if (hit) return hit;
    const loading = load();
    this.set(key, loading);
    loading.catch(() => {
      if (this.entries.get(key) === loading) this.entries.delete(key);
    });
    return loading;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
