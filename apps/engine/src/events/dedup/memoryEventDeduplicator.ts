// In-process EventDeduplicator for embedded mode: event id → expiry time in a Map. Ids share
// one TTL, so the Map's insertion order is expiry order and expired ids are swept from its
// front in amortised O(1). The same semantics as the Redis one, by the shared contract suite.
import { DEFAULT_DEDUP_TTL_MS, EventDeduplicatorError, type EventDeduplicator } from "./eventDeduplicator.ts";

export type MemoryEventDeduplicatorOptions = {
  ttlMs?: number;
  /** Past this many remembered ids the oldest are forgotten early (PostgreSQL still catches duplicates). */
  maxClaims?: number;
  now?: () => number;
};

export function createMemoryEventDeduplicator(options: MemoryEventDeduplicatorOptions = {}): EventDeduplicator {
  return new MemoryEventDeduplicator(options.ttlMs ?? DEFAULT_DEDUP_TTL_MS, options.maxClaims ?? 2_000_000, options.now ?? Date.now);
}

class MemoryEventDeduplicator implements EventDeduplicator {
  private readonly expiries = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly ttlMs: number,
    private readonly maxClaims: number,
    private readonly now: () => number,
  ) {}

  async unseen(eventIds: readonly string[]): Promise<boolean[]> {
    this.assertOpen();
    const now = this.now();
    this.sweep(now);
    return eventIds.map((eventId) => {
      const expiresAt = this.expiries.get(eventId);
      return expiresAt === undefined || expiresAt <= now;
    });
  }

  async remember(eventIds: readonly string[]): Promise<void> {
    this.assertOpen();
    const expiresAt = this.now() + this.ttlMs;
    for (const eventId of eventIds) {
      // Delete first so a renewed id moves to the back (keeps the Map in expiry order).
      this.expiries.delete(eventId);
      this.expiries.set(eventId, expiresAt);
    }
    this.sweep(this.now());
  }

  async forget(eventIds: readonly string[]): Promise<void> {
    this.assertOpen();
    for (const eventId of eventIds) this.expiries.delete(eventId);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.expiries.clear();
  }

  private sweep(now: number): void {
    for (const [eventId, expiresAt] of this.expiries) {
      if (expiresAt > now && this.expiries.size <= this.maxClaims) break;
      this.expiries.delete(eventId);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EventDeduplicatorError("event deduplicator is closed");
  }
}
