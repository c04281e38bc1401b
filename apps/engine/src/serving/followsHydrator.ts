// Query hydrator `follows`: the creators the user follows (one indexed Postgres query on the
// follows primary key), read by the follow-graph source.
import type { Database } from "@cascade/db";
import type { QueryHydrator } from "../funnel/index.ts";

export const FOLLOWS_HYDRATOR_ID = "follows";

export function followsHydrator(db: Database, budgetMs: number, maxCreators = 500): QueryHydrator {
  return {
    id: FOLLOWS_HYDRATOR_ID,
    budgetMs,
    async hydrate(query) {
      const rows = await db.$queryRaw<{ creatorId: string }[]>`
        SELECT creator_id AS "creatorId" FROM follows WHERE user_id = ${query.userId}
        ORDER BY created_at DESC LIMIT ${maxCreators}::int`;
      return { followedCreatorIds: rows.map((row) => row.creatorId) };
    },
  };
}
