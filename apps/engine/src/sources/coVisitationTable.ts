// Item → item co-visitation, computed from the Postgres event log (the source of truth) off the
// request path and held in memory. Why here and not online counters: the real-time feature
// consumer (owned elsewhere) keeps per-entity state only, and an item-pair counter updated per
// event would cost O(history) writes per event; a periodic batch over a bounded window is cheap,
// deterministic and identical on every replica.
//
// Definition: take each user's last `perUser` distinct interacted items (click, like, share,
// watch, purchase, rating) within `windowDays` of the newest event at or before the clock's now
// (business time, platform/clock.ts: never the database's now(), which would empty the table of an imported
// historical log); two items co-occur when one user has
// both. similarity(a, b) = users(a, b) / sqrt(users(a) · users(b)) (cosine over user sets); keep the
// `neighbours` best per item.
import type { Database } from "@cascade/db";
import { wallClock, type Clock } from "../platform/clock.ts";

export type Neighbour = { itemId: string; score: number };
export type CoVisitationTable = { builtAtMs: number; pairs: number; neighbours: NeighbourLists };

/**
 * The table in transferable form: one string and typed arrays. The worker build
 * (coVisitationWorker.ts) makes it off the request thread and transfers the arrays' buffers; the
 * ids travel as one string (one copy, not one object per id to deserialize) and are cut from it on
 * the request thread in slices (NeighbourLists.fromPackedInSlices).
 */
export type PackedNeighbours = {
  /** Every distinct id, of items with a list and of neighbours, once, one after the other. */
  idsText: string;
  /** Id k is idsText from idEnds[k − 1] (0 for the first) to idEnds[k]. */
  idEnds: Uint32Array;
  /** List k belongs to the item with id listItems[k]. */
  listItems: Uint32Array;
  /** List k is entries offsets[k] … offsets[k + 1] − 1 of neighbours and scores. */
  offsets: Uint32Array;
  /** Each entry's neighbour, as an id index. */
  neighbours: Uint32Array;
  scores: Float64Array;
};

export type NeighbourRow = { item: string; neighbour: string; score: number };

/** Packs (item, neighbour, score) rows grouped by item, each item's in its order (the table query's order). */
export function packNeighbourRows(rows: readonly NeighbourRow[]): PackedNeighbours {
  const ids: string[] = [];
  const indexOf = new Map<string, number>();
  const idIndex = (id: string): number => {
    let index = indexOf.get(id);
    if (index === undefined) {
      indexOf.set(id, (index = ids.length));
      ids.push(id);
    }
    return index;
  };
  const listItems: number[] = [];
  const offsets: number[] = [];
  const neighbours = new Uint32Array(rows.length);
  const scores = new Float64Array(rows.length);
  const seenItems = new Set<string>();
  let currentItem: string | undefined;
  rows.forEach((row, entry) => {
    if (row.item !== currentItem) {
      if (seenItems.has(row.item)) throw new RangeError(`co-visitation rows of ${row.item} are not together`);
      seenItems.add(row.item);
      currentItem = row.item;
      listItems.push(idIndex(row.item));
      offsets.push(entry);
    }
    neighbours[entry] = idIndex(row.neighbour);
    scores[entry] = row.score;
  });
  offsets.push(rows.length);
  const idEnds = new Uint32Array(ids.length);
  let end = 0;
  ids.forEach((id, index) => (idEnds[index] = end += id.length));
  return { idsText: ids.join(""), idEnds, listItems: Uint32Array.from(listItems), offsets: Uint32Array.from(offsets), neighbours, scores };
}

/** The packed table's array buffers, to transfer to another thread. */
export function packedBuffers(packed: PackedNeighbours): ArrayBuffer[] {
  return [packed.idEnds, packed.listItems, packed.offsets, packed.neighbours, packed.scores].map((array) => array.buffer as ArrayBuffer);
}

/** Ids cut or lists mapped between two yields of fromPackedInSlices (~1–2 ms of the request thread here). */
const UNPACK_SLICE = 4096;

/**
 * Each item's neighbours, best first, in flat arrays: the table lives until its next refresh, so it
 * is old-generation data that every full collection marks. As a Map of arrays of `Neighbour`
 * objects, each neighbour was an object plus its own copy of the id string read from the query; here
 * it is one slot in a Uint32Array and one in a Float64Array (outside the heap), and each id is one
 * string (a slice of the packed ids' one string).
 */
export class NeighbourLists {
  private constructor(
    /** Item id → its list's index. */
    private readonly listOf: ReadonlyMap<string, number>,
    private readonly ids: readonly string[],
    private readonly packed: PackedNeighbours,
  ) {}

  /** The table of packed arrays, in one go. */
  static fromPacked(packed: PackedNeighbours): NeighbourLists {
    const steps = NeighbourLists.unpacking(packed);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /** The table of packed arrays, yielding to other work (requests) every UNPACK_SLICE ids or lists. */
  static async fromPackedInSlices(packed: PackedNeighbours): Promise<NeighbourLists> {
    const steps = NeighbourLists.unpacking(packed);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Unpacks, pausing (yield) after every UNPACK_SLICE ids or lists. */
  private static *unpacking(packed: PackedNeighbours): Generator<void, NeighbourLists> {
    const ids = new Array<string>(packed.idEnds.length);
    let start = 0;
    for (let index = 0; index < ids.length; index += 1) {
      const end = packed.idEnds[index]!;
      ids[index] = packed.idsText.slice(start, end);
      start = end;
      if ((index + 1) % UNPACK_SLICE === 0) yield;
    }
    const listOf = new Map<string, number>();
    for (let list = 0; list < packed.listItems.length; list += 1) {
      listOf.set(ids[packed.listItems[list]!]!, list);
      if ((list + 1) % UNPACK_SLICE === 0) yield;
    }
    return new NeighbourLists(listOf, ids, packed);
  }

  /** From (item, neighbour, score) rows grouped by item, each item's in its order (the table query's order). */
  static fromRows(rows: readonly NeighbourRow[]): NeighbourLists {
    return NeighbourLists.fromPacked(packNeighbourRows(rows));
  }

  /** Items that have neighbours. */
  get size(): number {
    return this.listOf.size;
  }

  /** Calls `visit` with each neighbour of `itemId`, best first (none for an item without any). */
  forEach(itemId: string, visit: (neighbourId: string, score: number) => void): void {
    const list = this.listOf.get(itemId);
    if (list === undefined) return;
    const { offsets, neighbours, scores } = this.packed;
    for (let entry = offsets[list]!; entry < offsets[list + 1]!; entry += 1) visit(this.ids[neighbours[entry]!]!, scores[entry]!);
  }

  /** `itemId`'s neighbours as objects, best first; undefined for an item without any. */
  get(itemId: string): Neighbour[] | undefined {
    if (!this.listOf.has(itemId)) return undefined;
    const neighbours: Neighbour[] = [];
    this.forEach(itemId, (neighbourId, score) => neighbours.push({ itemId: neighbourId, score }));
    return neighbours;
  }
}

export type CoVisitationOptions = { windowDays: number; perUser: number; neighbours: number; maxEvents: number };

export const DEFAULT_CO_VISITATION_OPTIONS: CoVisitationOptions = { windowDays: 30, perUser: 50, neighbours: 50, maxEvents: 500_000 };

/**
 * The table's query: $1 the clock's now, $2 windowDays, $3 maxEvents, $4 perUser, $5 neighbours.
 * Rows are (item, neighbour, score), grouped by item, best neighbour first.
 */
export const CO_VISITATION_SQL = `
    WITH reference AS (SELECT max(occurred_at) AS at FROM events WHERE occurred_at <= $1::timestamptz),
    recent AS (
      SELECT e.user_id, e.item_id, e.occurred_at FROM events e, reference r
      WHERE e.type IN ('click', 'like', 'share', 'watch', 'purchase', 'rating')
        AND e.occurred_at > r.at - $2::float8 * interval '1 day' AND e.occurred_at <= r.at
      ORDER BY e.occurred_at DESC LIMIT $3::int
    ),
    latest AS (
      SELECT user_id, item_id, row_number() OVER (PARTITION BY user_id ORDER BY max(occurred_at) DESC, item_id) AS n
      FROM recent GROUP BY user_id, item_id
    ),
    kept AS (SELECT user_id, item_id FROM latest WHERE n <= $4::int),
    item_users AS (SELECT item_id, count(*)::float8 AS users FROM kept GROUP BY item_id),
    pairs AS (
      SELECT a.item_id AS item, b.item_id AS neighbour, count(*)::float8 AS together
      FROM kept a JOIN kept b ON a.user_id = b.user_id AND a.item_id <> b.item_id
      GROUP BY a.item_id, b.item_id
    ),
    scored AS (
      SELECT p.item, p.neighbour, p.together / sqrt(ua.users * ub.users) AS score,
             row_number() OVER (PARTITION BY p.item ORDER BY p.together / sqrt(ua.users * ub.users) DESC, p.neighbour) AS rank
      FROM pairs p JOIN item_users ua ON ua.item_id = p.item JOIN item_users ub ON ub.item_id = p.neighbour
    )
    SELECT item, neighbour, score FROM scored WHERE rank <= $5::int ORDER BY item, rank`;

/** The query's parameters, in CO_VISITATION_SQL's order. */
export function coVisitationParameters(options: Partial<CoVisitationOptions>, clock: Clock): unknown[] {
  const { windowDays, perUser, neighbours, maxEvents } = { ...DEFAULT_CO_VISITATION_OPTIONS, ...options };
  return [new Date(clock.nowMs()), windowDays, maxEvents, perUser, neighbours];
}

/** Builds the table on this thread through Prisma (callers without a database URL; the engine uses coVisitationBuilder.ts). */
export async function buildCoVisitationTable(db: Database, options: Partial<CoVisitationOptions> = {}, clock: Clock = wallClock): Promise<CoVisitationTable> {
  const rows = await db.$queryRawUnsafe<NeighbourRow[]>(CO_VISITATION_SQL, ...coVisitationParameters(options, clock));
  return { builtAtMs: Date.now(), pairs: rows.length, neighbours: NeighbourLists.fromRows(rows) };
}
