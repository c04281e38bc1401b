// The user's follows (creators, newest first) and exclusions (items hidden, disliked or bought) from
// Postgres, for the `follows` and `userExclusions` query hydrators. Both hydrators start in the same
// tick and, at 100 requests/s of mostly different users, both miss their caches on nearly every
// request: reads asked for in one tick for the same user go out as ONE statement (one round trip,
// one statement for the server to plan) instead of two. A read asked for alone runs alone.
//
// The exclusions query reads the events' (user_id, occurred_at) index once per request. The
// consumed items (a surface's `filters.consumed`) join the same statement: consumedItemsSql.ts.
//
// With `creatorItems` (the serving stack's), the statement also reads the newest items of the
// user's most recently followed creators into the follow-graph source's per-creator cache
// (sources/followGraphSource.ts), exactly as that source's own query would: the source then finds
// them cached instead of making a second round trip inside its 15 ms budget, which under load it
// overran (the largest cause of degraded pages in the latency bench after the online features).
import type { ConsumedFilterConfig, EventType } from "@cascade/core";
import { wallClock, type Clock } from "../platform/clock.ts";
import { consumedItemsColumn, consumedSpecKey, eventTypesLiteral } from "./consumedItemsSql.ts";
import type { ServingSql } from "../postgres/servingSql.ts";
import type { ExpiringCache } from "../caching/expiringCache.ts";

/** Events after which an item is never shown to that user again. */
export const EXCLUDING_EVENT_TYPES: readonly EventType[] = ["hide", "dislike", "purchase"];

/** A creator's newest available items, newest first (the follow-graph source's cache entries). */
export type CreatorItems = { id: string; publishedAtMs: number }[];

export type CreatorItemsPrefetch = {
  cache: ExpiringCache<CreatorItems>;
  /** Items per creator, and the oldest publication (ms before now) — the source's own bounds. */
  perCreator: number;
  maxAgeMs: number;
  /** The user's most recently followed creators read ahead (a heavy follower's others are read by the source). */
  maxCreators: number;
};

const EXCLUDING_TYPES_LITERAL = eventTypesLiteral(EXCLUDING_EVENT_TYPES);

type Waiter<T> = { resolve(value: T): void; reject(error: unknown): void };
type Pending = {
  follows: Waiter<string[]>[];
  exclusions: Waiter<Set<string>>[];
  /** Per distinct consumed spec (consumedSpecKey): the spec and who waits for it. */
  consumed: Map<string, { spec: ConsumedFilterConfig; waiters: Waiter<Set<string>>[] }>;
};

export class UserRelationsReader {
  private readonly pending = new Map<string, Pending>();
  /** Most recent follows kept per user. */
  private readonly maxCreators: number;
  /** Business time the consumed items are read "as of" (their window ends at its now). */
  private readonly clock: Clock;

  private readonly creatorItems: CreatorItemsPrefetch | undefined;

  constructor(
    private readonly sql: ServingSql,
    options: { maxCreators?: number; clock?: Clock; creatorItems?: CreatorItemsPrefetch } = {},
  ) {
    this.maxCreators = options.maxCreators ?? 500;
    this.clock = options.clock ?? wallClock;
    this.creatorItems = options.creatorItems;
  }

  follows(userId: string): Promise<string[]> {
    return new Promise((resolve, reject) => this.enqueue(userId).follows.push({ resolve, reject }));
  }

  exclusions(userId: string): Promise<Set<string>> {
    return new Promise((resolve, reject) => this.enqueue(userId).exclusions.push({ resolve, reject }));
  }

  /** Items the user consumed under `spec` (see consumedItemsSql.ts), most recent first, at most MAX_CONSUMED_ITEMS. */
  consumed(userId: string, spec: ConsumedFilterConfig): Promise<Set<string>> {
    return new Promise((resolve, reject) => {
      const byKey = this.enqueue(userId).consumed;
      const key = consumedSpecKey(spec);
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { spec, waiters: [] }));
      entry.waiters.push({ resolve, reject });
    });
  }

  private enqueue(userId: string): Pending {
    let pending = this.pending.get(userId);
    if (!pending) {
      pending = { follows: [], exclusions: [], consumed: new Map() };
      this.pending.set(userId, pending);
      const batch = pending;
      // After the current tick: the other hydrator of the request has asked by then.
      queueMicrotask(() => {
        this.pending.delete(userId);
        void this.read(userId, batch);
      });
    }
    return pending;
  }

  private async read(userId: string, batch: Pending): Promise<void> {
    const wantFollows = batch.follows.length > 0;
    const wantExclusions = batch.exclusions.length > 0;
    // Every parameter must appear in the statement (Postgres cannot type an unused one).
    const values: unknown[] = [userId];
    const columns: string[] = [];
    const nowMs = this.clock.nowMs();
    // Under a business clock other than the wall's (a replay, a fixed or data clock) later follows
    // and hides had not happened yet; on the wall clock no bound, so a client's slightly fast clock
    // cannot delay a hide.
    const asOf = (column: string) => {
      if (this.clock.mode === "wall") return "";
      values.push(new Date(nowMs).toISOString());
      return ` AND ${column} <= $${values.length}::timestamptz`;
    };
    if (wantFollows) {
      values.push(this.maxCreators);
      const limit = values.length;
      columns.push(`ARRAY(SELECT creator_id FROM follows WHERE user_id = $1${asOf("created_at")} ORDER BY created_at DESC LIMIT $${limit}::int) AS "follows"`);
    }
    if (wantExclusions) {
      // The types as a constant of the statement (consumedItemsSql.ts: a generic plan then uses the
      // partial consumption index, and the prepared statement is not re-planned per execution).
      columns.push(
        `ARRAY(SELECT DISTINCT item_id FROM events WHERE user_id = $1 AND type = ANY(${EXCLUDING_TYPES_LITERAL})${asOf("occurred_at")}) AS "exclusions"`,
      );
    }
    const prefetch = this.creatorItems;
    if (prefetch) {
      // Per creator (those with no item too: cached as none), as [creatorId, [[itemId, publishedAtMs], …]].
      values.push(prefetch.maxCreators);
      const creators = values.length;
      values.push(new Date(nowMs - prefetch.maxAgeMs).toISOString());
      const since = values.length;
      values.push(prefetch.perCreator);
      const perCreator = values.length;
      columns.push(
        `(SELECT json_agg(json_build_array(c.creator_id, COALESCE(picked.items, '[]'::json))) FROM (SELECT creator_id FROM follows WHERE user_id = $1${asOf("created_at")} ORDER BY created_at DESC LIMIT $${creators}::int) c ` +
          `LEFT JOIN LATERAL (SELECT json_agg(json_build_array(i.id, (extract(epoch FROM i.published_at) * 1000)::float8)) AS items FROM (SELECT id, published_at FROM items WHERE creator_id = c.creator_id AND available AND published_at > $${since}::timestamptz ORDER BY published_at DESC LIMIT $${perCreator}::int) i) picked ON true) AS "creatorItems"`,
      );
    }
    const consumed = [...batch.consumed.values()];
    consumed.forEach(({ spec }, index) => columns.push(`${consumedItemsColumn(spec, values, nowMs)} AS "consumed${index}"`));
    try {
      const [row] = await this.sql.rows<Record<string, string[] | undefined> & { creatorItems?: [string, [string, number][]][] | null }>(
        `SELECT ${columns.join(", ")}`,
        values,
      );
      // Before the waiters resume: the follow-graph source runs right after the query hydrators.
      if (prefetch && row?.creatorItems) {
        for (const [creatorId, items] of row.creatorItems)
          prefetch.cache.set(
            creatorId,
            items.map(([id, publishedAtMs]) => ({ id, publishedAtMs })),
          );
      }
      for (const waiter of batch.follows) waiter.resolve(row?.follows ?? []);
      for (const waiter of batch.exclusions) waiter.resolve(new Set(row?.exclusions ?? []));
      consumed.forEach(({ waiters }, index) => {
        const items = new Set(row?.[`consumed${index}`] ?? []);
        for (const waiter of waiters) waiter.resolve(items);
      });
    } catch (error) {
      for (const waiter of [...batch.follows, ...batch.exclusions, ...consumed.flatMap((entry) => entry.waiters)]) waiter.reject(error);
    }
  }
}
