// Query hydrator `follows`: the creators the user follows (one indexed Postgres query on the
// follows primary key, shared with `userExclusions` when both read: userRelations.ts), read by the
// follow-graph source. With a cache (the serving stack passes one, 30 s TTL) the query runs at most
// once per user per TTL: a new follow shows up within that.
import type { QueryHydrator } from "../funnel/index.ts";
import type { ExpiringCache } from "../caching/expiringCache.ts";
import type { UserRelationsReader } from "./userRelations.ts";

export const FOLLOWS_HYDRATOR_ID = "follows";

export function followsHydrator(relations: UserRelationsReader, budgetMs: number, cache?: ExpiringCache<string[]>): QueryHydrator {
  return {
    id: FOLLOWS_HYDRATOR_ID,
    budgetMs,
    async hydrate(query) {
      const followedCreatorIds = cache ? await cache.get(query.userId, () => relations.follows(query.userId)) : await relations.follows(query.userId);
      return { followedCreatorIds };
    },
  };
}
