// What retrieval training reads: positive (user, item) interactions in time order plus the item
// metadata (category, creator, tags, publication time) and the follow graph, with every id mapped
// to a dense index. From Postgres (loadRetrievalData); the in-memory demo world builds the same
// shape with these columns (demo/demoRetrievalData.ts, for benchmarks and tests).
//
// Memory is bounded by what the model needs, never by the event log: events are read in keyset
// pages of positive types only, and only the first event of each (user, item) pair is kept (a
// click then a watch then a like is one interaction). Held: the id dictionaries, one Set entry
// per distinct pair, and the pair columns (≈ 16 B per pair + ~60 B per pair of Set overhead).
import type { PositiveSpec } from "@cascade/core";
import type { Database } from "@cascade/db";
import { POSITIVE_EVENT_TYPES, type Interactions } from "./interactions.ts";
import type { ItemFeatures, UserFeatures } from "../../retrieval/twoTowerModel.ts";

export type RetrievalData = {
  /** The training window: interactions with fromMs ≤ time < toMs (fromMs null = from the start). */
  window: { fromMs: number | null; toMs: number };
  /** Dense index → external id. */
  itemIds: string[];
  userIds: string[];
  categoryNames: string[];
  /** Creator ids; index 0 is "" (items without a creator). */
  creatorIds: string[];
  tagNames: string[];
  items: Required<ItemFeatures> & { category: Int32Array; creator: Int32Array; tagOffsets: Int32Array; tagIds: Int32Array; publishedAtMs: Float64Array };
  /** Follows made before window.toMs, CSR by user. */
  follows: UserFeatures;
  interactions: Interactions;
  /** Positive events whose item is not in the catalogue (skipped). */
  skippedEvents: number;
};

export type RetrievalWindow = { from?: Date; to: Date };

export type LoadRetrievalDataOptions = {
  /** What counts as a positive (types, rating and weight thresholds). Default click, like, watch, purchase. */
  positives?: PositiveSpec;
  pageSize?: number;
  /** Called after each page of events with the running count of events read. */
  onEvents?: (eventsRead: number) => void;
};

/** A string → dense index dictionary that remembers insertion order. */
export class Dictionary {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  constructor(initial: readonly string[] = []) {
    for (const id of initial) this.add(id);
  }
  add(id: string): number {
    let found = this.index.get(id);
    if (found === undefined) {
      found = this.ids.length;
      this.index.set(id, found);
      this.ids.push(id);
    }
    return found;
  }
  get(id: string): number | undefined {
    return this.index.get(id);
  }
}

/** Growable columns of first-seen (user, item, time) pairs. */
export class PairColumns {
  count = 0;
  private user = new Int32Array(1024);
  private item = new Int32Array(1024);
  private time = new Float64Array(1024);
  private readonly seen = new Set<number>();

  /** Adds the pair if it is new; times must come in non-decreasing order. */
  add(user: number, item: number, timeMs: number): void {
    // user·2^26 + item stays an exact double for up to 2^27 users and 2^26 items.
    const key = user * 67_108_864 + item;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.count === this.user.length) {
      const grow = <T extends Int32Array | Float64Array>(array: T, make: (n: number) => T) => {
        const next = make(array.length * 2);
        next.set(array);
        return next;
      };
      this.user = grow(this.user, (n) => new Int32Array(n));
      this.item = grow(this.item, (n) => new Int32Array(n));
      this.time = grow(this.time, (n) => new Float64Array(n));
    }
    this.user[this.count] = user;
    this.item[this.count] = item;
    this.time[this.count] = timeMs;
    this.count += 1;
  }

  build(): Interactions {
    return { count: this.count, user: this.user.slice(0, this.count), item: this.item.slice(0, this.count), timeMs: this.time.slice(0, this.count) };
  }
}

export function followsCsr(users: number, pairs: { user: number; creator: number }[]): UserFeatures {
  const followOffsets = new Int32Array(users + 1);
  for (const pair of pairs) followOffsets[pair.user + 1] = followOffsets[pair.user + 1]! + 1;
  for (let u = 0; u < users; u += 1) followOffsets[u + 1] = followOffsets[u + 1]! + followOffsets[u]!;
  const cursor = followOffsets.slice(0, users);
  const followCreators = new Int32Array(pairs.length);
  for (const pair of pairs) {
    followCreators[cursor[pair.user]!] = pair.creator;
    cursor[pair.user] = cursor[pair.user]! + 1;
  }
  return { followOffsets, followCreators };
}

type ItemRow = { id: string; category: string; creatorId: string | null; tags: string[] | null; publishedAt: Date };
type EventRow = { id: bigint; userId: string; itemId: string; occurredAt: Date };
type FollowRow = { userId: string; creatorId: string };

/**
 * Reads the catalogue (keyset pages by id), the positive events of the window (keyset pages by
 * (occurred_at, id), positive types only) and the follows made before the window's end.
 */
export async function loadRetrievalData(db: Database, window: RetrievalWindow, options: LoadRetrievalDataOptions = {}): Promise<RetrievalData> {
  const pageSize = options.pageSize ?? 10_000;
  const types = [...(options.positives?.eventTypes ?? POSITIVE_EVENT_TYPES)];
  const minRating = options.positives?.minRating ?? null;
  const minWeight = options.positives?.minWeight ?? null;
  const items = new Dictionary();
  const categories = new Dictionary();
  const creators = new Dictionary([""]);
  const tags = new Dictionary();
  const category: number[] = [];
  const creator: number[] = [];
  const published: number[] = [];
  const tagOffsets: number[] = [0];
  const tagIds: number[] = [];

  let afterId = "";
  for (;;) {
    const rows = await db.$queryRaw<ItemRow[]>`
      SELECT id, category, creator_id AS "creatorId", tags, published_at AS "publishedAt"
      FROM items WHERE id > ${afterId} ORDER BY id LIMIT ${pageSize}::int`;
    for (const row of rows) {
      items.add(row.id);
      category.push(categories.add(row.category));
      creator.push(row.creatorId === null ? 0 : creators.add(row.creatorId));
      published.push(row.publishedAt.getTime());
      for (const tag of row.tags ?? []) tagIds.push(tags.add(tag));
      tagOffsets.push(tagIds.length);
    }
    if (rows.length < pageSize) break;
    afterId = rows[rows.length - 1]!.id;
  }

  const users = new Dictionary();
  const pairs = new PairColumns();
  let skippedEvents = 0;
  let eventsRead = 0;
  const from = window.from ?? new Date(0);
  let afterTime = new Date(from.getTime() - 1);
  let afterRowId = BigInt(Number.MAX_SAFE_INTEGER) * 1_000n; // first page: every id at afterTime is < from
  for (;;) {
    const rows = await db.$queryRaw<EventRow[]>`
      SELECT id, user_id AS "userId", item_id AS "itemId", occurred_at AS "occurredAt"
      FROM events
      WHERE (occurred_at, id) > (${afterTime}::timestamptz, ${afterRowId}::bigint)
        AND occurred_at >= ${afterTime}::timestamptz
        AND occurred_at < ${window.to}::timestamptz
        AND type::text = ANY(${types}::text[])
        AND (type::text <> 'rating' OR ${minRating}::float8 IS NULL OR value >= ${minRating}::float8)
        AND (${minWeight}::float8 IS NULL OR (jsonb_typeof(context->'weight') = 'number' AND (context->>'weight')::float8 >= ${minWeight}::float8))
      ORDER BY occurred_at, id
      LIMIT ${pageSize}::int`;
    for (const row of rows) {
      const item = items.get(row.itemId);
      if (item === undefined) {
        skippedEvents += 1;
        continue;
      }
      pairs.add(users.add(row.userId), item, row.occurredAt.getTime());
    }
    eventsRead += rows.length;
    options.onEvents?.(eventsRead);
    if (rows.length < pageSize) break;
    const last = rows[rows.length - 1]!;
    afterTime = last.occurredAt;
    afterRowId = last.id;
  }

  const followPairs: { user: number; creator: number }[] = [];
  const followRows = await db.$queryRaw<FollowRow[]>`
    SELECT user_id AS "userId", creator_id AS "creatorId" FROM follows WHERE created_at < ${window.to}::timestamptz ORDER BY user_id, creator_id`;
  for (const row of followRows) {
    const creatorIndex = creators.get(row.creatorId);
    // A creator with no items in the catalogue teaches the item tower nothing.
    if (creatorIndex === undefined) continue;
    followPairs.push({ user: users.add(row.userId), creator: creatorIndex });
  }

  return {
    window: { fromMs: window.from ? window.from.getTime() : null, toMs: window.to.getTime() },
    itemIds: items.ids,
    userIds: users.ids,
    categoryNames: categories.ids,
    creatorIds: creators.ids,
    tagNames: tags.ids,
    items: {
      category: Int32Array.from(category),
      creator: Int32Array.from(creator),
      tagOffsets: Int32Array.from(tagOffsets),
      tagIds: Int32Array.from(tagIds),
      publishedAtMs: Float64Array.from(published),
    },
    follows: followsCsr(users.ids.length, followPairs),
    interactions: pairs.build(),
    skippedEvents,
  };
}
