// Query hydrator `consumedItems`: the items the user consumed under the surface's
// `filters.consumed`, read from the event log (consumedItemsSql.ts, in the same statement as the
// user's follows and exclusions) into `consumedItemIds` for the consumed filter. It runs under the
// surface's safety budget; if the read fails or overruns, `consumedItemIds` stays unset and the
// filter removes every candidate (fail closed). With the stack's cache (the exclusions TTL, 5 s) the
// read runs at most once per user and spec per TTL; a consumption takes seconds to reach the event
// log anyway (the offline-log consumer writes it asynchronously).
import type { ConsumedFilterConfig } from "@cascade/core";
import type { QueryHydrator } from "../funnel/index.ts";
import { consumedSpecKey } from "./consumedItemsSql.ts";
import type { ExpiringCache } from "../caching/expiringCache.ts";
import type { UserRelationsReader } from "./userRelations.ts";

export const CONSUMED_ITEMS_HYDRATOR_ID = "consumedItems";

export function consumedItemsHydrator(
  relations: UserRelationsReader,
  spec: ConsumedFilterConfig,
  budgetMs: number,
  cache?: ExpiringCache<Set<string>>,
): QueryHydrator {
  const key = consumedSpecKey(spec);
  return {
    id: CONSUMED_ITEMS_HYDRATOR_ID,
    budgetMs,
    async hydrate(query) {
      const consumedItemIds = cache
        ? await cache.get(`${query.userId}\n${key}`, () => relations.consumed(query.userId, spec))
        : await relations.consumed(query.userId, spec);
      return { consumedItemIds };
    },
  };
}
