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
export type CoVisitationTable = { builtAtMs: number; pairs: number; neighbours: ReadonlyMap<string, readonly Neighbour[]> };

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
  const table = new Map<string, Neighbour[]>();
  for (const row of rows) {
    let list = table.get(row.item);
    if (!list) table.set(row.item, (list = []));
    list.push({ itemId: row.neighbour, score: row.score });
  }
  return { builtAtMs: Date.now(), pairs: rows.length, neighbours: table };
}
