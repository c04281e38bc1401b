// The items a user hid, disliked or bought are never shown again: a query hydrator reads them from
// the event log (one indexed query, shared with `follows` when both read: userRelations.ts) into the request scope, and a
// filter drops them. The hydrator runs under the surface's safety budget; if the read fails or
// overruns, the filter fails closed: no candidate can be shown not to be hidden, so all are removed
// (and the safe fallback faces the same check).
// With a cache (the serving stack passes one, 5 s TTL) the query runs at most once per user per
// TTL. A TTL rather than invalidation on write: the event log is written asynchronously by the
// stream consumer (events/offlineLogConsumer.ts) on any replica, so a hide is already seconds from
// reaching Postgres; 5 s more is bounded and needs no cross-replica messaging.
import type { Filter, QueryHydrator } from "../funnel/index.ts";
import type { ExpiringCache } from "../caching/expiringCache.ts";
import type { RequestScope } from "./requestScope.ts";
import type { UserRelationsReader } from "./userRelations.ts";

export const EXCLUSIONS_UNAVAILABLE = "exclusions-unavailable";

export function userExclusionsHydrator(relations: UserRelationsReader, scope: RequestScope, budgetMs: number, cache?: ExpiringCache<Set<string>>): QueryHydrator {
  return {
    id: "userExclusions",
    budgetMs,
    async hydrate(query) {
      const excluded = cache ? await cache.get(query.userId, () => relations.exclusions(query.userId)) : await relations.exclusions(query.userId);
      for (const itemId of excluded) scope.exclusions.add(itemId);
      scope.exclusionsRead = true;
      return {};
    },
  };
}

export function userExclusionsFilter(scope: RequestScope): Filter {
  return {
    id: "userExclusions",
    failClosed: true,
    apply(_query, candidates) {
      if (!scope.exclusionsRead) {
        return {
          kept: [],
          removed: candidates.map((candidate) => ({ itemId: candidate.itemId, reason: EXCLUSIONS_UNAVAILABLE })),
          ...(candidates.length > 0 ? { degraded: `the user's hidden, disliked and bought items could not be read: ${candidates.length} candidates removed (${EXCLUSIONS_UNAVAILABLE})` } : {}),
        };
      }
      const kept = [];
      const removed = [];
      for (const candidate of candidates) {
        if (scope.exclusions.has(candidate.itemId)) removed.push({ itemId: candidate.itemId, reason: "the user hid, disliked or bought it" });
        else kept.push(candidate);
      }
      return { kept, removed };
    },
  };
}
