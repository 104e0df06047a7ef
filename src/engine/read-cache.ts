/**
 * Values every request needs but that change rarely (workspace settings, API keys), kept in
 * memory for `ttlMs` of real time. A change made through this process clears them at once;
 * a change made by another server process sharing the database is seen within `ttlMs`.
 *
 * Real time, not the engine clock: freshness is about other processes writing the database,
 * which a virtual clock knows nothing about.
 */
export class ReadCache<K, V> {
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly entries = new Map<K, { value: V; loadedAt: number }>();

  constructor(ttlMs: number, maxEntries = 10_000) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  async get(key: K, load: () => Promise<V>): Promise<V> {
    const now = performance.now();
    const entry = this.entries.get(key);
    if (entry && now - entry.loadedAt < this.ttlMs) return entry.value;
    const value = await load();
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, loadedAt: now });
    return value;
  }

  delete(predicate: (value: V, key: K) => boolean): void {
    for (const [key, entry] of this.entries) if (predicate(entry.value, key)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
