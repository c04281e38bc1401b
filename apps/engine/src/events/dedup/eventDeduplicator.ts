// The first line of idempotency for `POST /v1/events`: a short-lived claim per event id, so a
// client's retry (or a concurrent duplicate request) is answered "duplicate" and never reaches the
// stream twice. Redis in production (redisEventDeduplicator.ts: SET NX PX per id, pipelined), an
// in-process TTL map in embedded mode (memoryEventDeduplicator.ts); one contract suite for both.
//
// Claims expire after a TTL, because remembering every id forever would cost memory without
// bound (≈100 bytes per id in Redis: at 1,000 events/s a 10-minute TTL holds 600k ids ≈ 60 MB).
// A duplicate arriving after its claim expired is accepted again and stopped by the last line,
// the unique key on events.event_id in PostgreSQL (the offline-log consumer drops and counts it).

/** Long enough to cover any sane client retry policy, short enough to bound memory. */
export const DEFAULT_DEDUP_TTL_MS = 10 * 60_000;

export interface EventDeduplicator {
  /**
   * Claims every id (distinct ids expected) for the TTL. Per id, in order: true when this call
   * claimed it, false when it was already claimed (a duplicate).
   */
  claim(eventIds: readonly string[]): Promise<boolean[]>;
  /** Gives claims back, after publishing failed, so that the client's retry is not a "duplicate". */
  release(eventIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** The deduplicator could not answer (Redis unreachable, timed out, closed). */
export class EventDeduplicatorError extends Error {
  override readonly name = "EventDeduplicatorError";
}
