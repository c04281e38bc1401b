// The items a user hid, disliked or bought: a query hydrator reads them from the event log (one
// indexed query, shared with `follows` when both read: userRelations.ts) into the query as
// `hiddenItemIds`, and the `userExclusions` filter (filters/userExclusionsFilter.ts) drops them.
// The hydrator runs under the surface's safety budget; if the read fails or overruns, the fact
// stays absent and the filter fails closed.
// With a cache (the serving stack passes one, 5 s TTL) the query runs at most once per user per
// TTL. A TTL rather than invalidation on write: the event log is written asynchronously by the
// stream consumer (events/consumers/offlineLogConsumer.ts) on any replica, so a hide is already seconds from
// reaching Postgres; 5 s more is bounded and needs no cross-replica messaging.
import type { QueryHydrator } from "../funnel/index.ts";
import type { ExpiringCache } from "../caching/expiringCache.ts";
import type { UserRelationsReader } from "./userRelations.ts";

export function userExclusionsHydrator(relations: UserRelationsReader, budgetMs: number, cache?: ExpiringCache<Set<string>>): QueryHydrator {
  return {
    id: "userExclusions",
    budgetMs,
    async hydrate(query) {
      const hiddenItemIds = cache ? await cache.get(query.userId, () => relations.exclusions(query.userId)) : await relations.exclusions(query.userId);
      return { hiddenItemIds };
    },
  };
}
