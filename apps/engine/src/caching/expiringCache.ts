// A bounded, expiring in-process cache for per-request Postgres reads whose answers may be a few
// seconds stale (a user's follows and exclusions, a creator's newest items). Concurrent requests
// for the same missing key share one load.
//
// Entries live in a GenerationalMap (generationalMap.ts): set in place, never deleted one by one,
// the least recently used generation dropped whole when full. Each of these caches holds up to
// 200k users or creators; a Map that re-inserted a key on every refresh (delete + set) and evicted
// the oldest by delete compacted its deleted slots in one pass on the request thread (~20 ms at
// that size, measured in generationalMap.ts).
import { GenerationalMap } from "./generationalMap.ts";

export type ExpiringCacheOptions = { ttlMs: number; maxEntries: number; now?: () => number };

export class ExpiringCache<V> {
  private readonly entries: GenerationalMap<{ value: V; expiresAt: number }>;
  private readonly pending = new Map<string, Promise<V>>();
  private readonly now: () => number;

  constructor(private readonly options: ExpiringCacheOptions) {
    this.now = options.now ?? Date.now;
    this.entries = new GenerationalMap(options.maxEntries);
  }

  /** Entries held (an upper bound: see GenerationalMap.size). */
  get size(): number {
    return this.entries.size;
  }

  /** The cached value, or `load()`'s (stored when it succeeds; a failure is not cached). */
  async get(key: string, load: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) return entry.value;
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const loading = load().then((value) => {
      this.set(key, value);
      return value;
    });
    this.pending.set(key, loading);
    try {
      return await loading;
    } finally {
      this.pending.delete(key);
    }
  }

  /** Values for many keys: cached ones directly, the rest through ONE `loadMissing` call. */
  async getMany(keys: readonly string[], loadMissing: (missing: string[]) => Promise<Map<string, V>>, absent: V): Promise<Map<string, V>> {
    const at = this.now();
    const result = new Map<string, V>();
    const missing: string[] = [];
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (entry && entry.expiresAt > at) result.set(key, entry.value);
      else missing.push(key);
    }
    if (missing.length === 0) return result;
    const loaded = await loadMissing(missing);
    for (const key of missing) {
      const value = loaded.get(key) ?? absent;
      this.set(key, value);
      result.set(key, value);
    }
    return result;
  }

  set(key: string, value: V): void {
    if (this.options.ttlMs <= 0) return;
    this.entries.set(key, { value, expiresAt: this.now() + this.options.ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }
}
