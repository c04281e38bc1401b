// The first line of idempotency for `POST /v1/events`: a short-lived memory of the event ids that
// reached the stream, so a client's re-send is answered "duplicate" and never reaches the stream
// twice. Redis in production (redisEventDeduplicator.ts), an in-process TTL map in embedded mode
// (memoryEventDeduplicator.ts); one contract suite for both.
//
// "duplicate" must mean "an earlier delivery of this id is on the stream": so ingestion asks
// `unseen` before publishing (writing nothing) and `remember`s the ids only once the stream holds
// them. A failure anywhere between the two leaves nothing behind that could turn the client's
// retry into a false duplicate — even when Redis drops at that moment and nothing could be taken
// back (the old claim-then-release scheme left claims behind in exactly that case). The price:
// two requests carrying the same id *at the same time* may both publish it; the stream is
// at-least-once anyway and every consumer is idempotent by event id, so the log stores it once.
//
// Ids are remembered for a TTL, because remembering every id forever would cost memory without
// bound (≈100 bytes per id in Redis: at 1,000 events/s a 10-minute TTL holds 600k ids ≈ 60 MB).
// A duplicate arriving after that is accepted again and stopped by the last line, the unique key
// on events.event_id in PostgreSQL (the offline-log consumer drops and counts it).

/** Long enough to cover any sane client retry policy, short enough to bound memory. */
export const DEFAULT_DEDUP_TTL_MS = 10 * 60_000;

export interface EventDeduplicator {
  /**
   * Per id, in order: true when no delivery of it is remembered (this request may publish it),
   * false when one is (a duplicate). Writes nothing.
   */
  unseen(eventIds: readonly string[]): Promise<boolean[]>;
  /** Remembers the ids as published, for the TTL: call once the stream holds them. */
  remember(eventIds: readonly string[]): Promise<void>;
  /** Forgets ids at once (what the TTL does; tests use it to simulate expiry). */
  forget(eventIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** The deduplicator could not answer (Redis unreachable, timed out, closed). */
export class EventDeduplicatorError extends Error {
  override readonly name = "EventDeduplicatorError";
}
