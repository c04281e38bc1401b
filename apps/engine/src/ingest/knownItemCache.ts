// Which item ids exist, for rejecting events about unknown items without a database query per
// event: ids seen to exist are remembered (up to `maxSize`, oldest forgotten first), the rest are
// looked up in one query per batch. Only hits are cached: an unknown item may be upserted a moment
// later, and its events must then be accepted. Items are never deleted (there is no delete route),
// so a cached "exists" never goes stale; should deletion ever be added, it must evict here.

export type ItemLookup = (itemIds: readonly string[]) => Promise<readonly string[]>;

export class KnownItemCache {
  /** Insertion-ordered, so the first key is the oldest (FIFO eviction). */
  private readonly known = new Set<string>();

  constructor(
    private readonly lookup: ItemLookup,
    private readonly maxSize = 500_000,
  ) {}

  /** The subset of `itemIds` that exist. At most one lookup, for the ids not cached. */
  async filterKnown(itemIds: Iterable<string>): Promise<Set<string>> {
    const found = new Set<string>();
    const missing = new Set<string>();
    for (const itemId of itemIds) {
      if (this.known.has(itemId)) found.add(itemId);
      else missing.add(itemId);
    }
    if (missing.size === 0) return found;
    for (const itemId of await this.lookup([...missing])) {
      found.add(itemId);
      this.remember(itemId);
    }
    return found;
  }

  private remember(itemId: string): void {
    this.known.add(itemId);
    if (this.known.size > this.maxSize) this.known.delete(this.known.values().next().value!);
  }
}
