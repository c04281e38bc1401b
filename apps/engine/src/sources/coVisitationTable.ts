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
 * Each item's neighbours, best first, in flat arrays: the table lives until its next refresh, so it
 * is old-generation data that every full collection marks. As a Map of arrays of `Neighbour`
 * objects, each neighbour was an object plus its own copy of the id string read from the query; here
 * it is one slot in an id array and one in a Float64Array, and equal ids are one string.
 */
export class NeighbourLists {
  private constructor(
    /** Item id → its list's index: entries offsets[k] … offsets[k + 1] − 1 of ids and scores. */
    private readonly listOf: ReadonlyMap<string, number>,
    private readonly offsets: Uint32Array,
    private readonly ids: readonly string[],
    private readonly scores: Float64Array,
  ) {}

  /** From (item, neighbour, score) rows grouped by item, each item's in its order (the table query's order). */
  static fromRows(rows: readonly { item: string; neighbour: string; score: number }[]): NeighbourLists {
    const listOf = new Map<string, number>();
    const offsetList: number[] = [];
    const ids = new Array<string>(rows.length);
    const scores = new Float64Array(rows.length);
    // One string per distinct id (an item is a neighbour in many lists; each row brings its own copy).
    const interned = new Map<string, string>();
    rows.forEach((row, entry) => {
      const list = listOf.get(row.item);
      if (list === undefined) {
        listOf.set(row.item, offsetList.length);
        offsetList.push(entry);
      } else if (list !== offsetList.length - 1) throw new RangeError(`co-visitation rows of ${row.item} are not together`);
      let id = interned.get(row.neighbour);
      if (id === undefined) interned.set(row.neighbour, (id = row.neighbour));
      ids[entry] = id;
      scores[entry] = row.score;
    });
    offsetList.push(rows.length);
    return new NeighbourLists(listOf, Uint32Array.from(offsetList), ids, scores);
  }

  /** Items that have neighbours. */
  get size(): number {
    return this.listOf.size;
  }

  /** Calls `visit` with each neighbour of `itemId`, best first (none for an item without any). */
  forEach(itemId: string, visit: (neighbourId: string, score: number) => void): void {
    const list = this.listOf.get(itemId);
    if (list === undefined) return;
    for (let entry = this.offsets[list]!; entry < this.offsets[list + 1]!; entry += 1) visit(this.ids[entry]!, this.scores[entry]!);
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

export async function buildCoVisitationTable(db: Database, options: Partial<CoVisitationOptions> = {}, clock: Clock = wallClock): Promise<CoVisitationTable> {
  const { windowDays, perUser, neighbours, maxEvents } = { ...DEFAULT_CO_VISITATION_OPTIONS, ...options };
  const asOf = new Date(clock.nowMs());
  const rows = await db.$queryRaw<{ item: string; neighbour: string; score: number }[]>`
    WITH reference AS (SELECT max(occurred_at) AS at FROM events WHERE occurred_at <= ${asOf}::timestamptz),
    recent AS (
      SELECT e.user_id, e.item_id, e.occurred_at FROM events e, reference r
      WHERE e.type IN ('click', 'like', 'share', 'watch', 'purchase', 'rating')
        AND e.occurred_at > r.at - ${windowDays}::float8 * interval '1 day' AND e.occurred_at <= r.at
      ORDER BY e.occurred_at DESC LIMIT ${maxEvents}::int
    ),
    latest AS (
      SELECT user_id, item_id, row_number() OVER (PARTITION BY user_id ORDER BY max(occurred_at) DESC, item_id) AS n
      FROM recent GROUP BY user_id, item_id
    ),
    kept AS (SELECT user_id, item_id FROM latest WHERE n <= ${perUser}::int),
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
    SELECT item, neighbour, score FROM scored WHERE rank <= ${neighbours}::int ORDER BY item, rank`;
  return { builtAtMs: Date.now(), pairs: rows.length, neighbours: NeighbourLists.fromRows(rows) };
}
