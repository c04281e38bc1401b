// Query hydrator `follows`: the creators the user follows (one indexed Postgres query on the
// follows primary key), read by the follow-graph source. With a cache (the serving stack passes
// one, 30 s TTL) the query runs at most once per user per TTL: a new follow shows up within that.
import type { Database } from "@cascade/db";
import type { QueryHydrator } from "../funnel/index.ts";
import type { ExpiringCache } from "./expiringCache.ts";

export const FOLLOWS_HYDRATOR_ID = "follows";

export function followsHydrator(db: Database, budgetMs: number, maxCreators = 500, cache?: ExpiringCache<string[]>): QueryHydrator {
  const load = async (userId: string) => {
    const rows = await db.$queryRaw<{ creatorId: string }[]>`
      SELECT creator_id AS "creatorId" FROM follows WHERE user_id = ${userId}
      ORDER BY created_at DESC LIMIT ${maxCreators}::int`;
    return rows.map((row) => row.creatorId);
  };
  return {
    id: FOLLOWS_HYDRATOR_ID,
    budgetMs,
    async hydrate(query) {
      const followedCreatorIds = cache ? await cache.get(query.userId, () => load(query.userId)) : await load(query.userId);
      return { followedCreatorIds };
    },
  };
}
