// The items a user hid, disliked or bought are never shown again: a query hydrator reads them from
// the event log (one indexed query; recommend/userExclusions.ts) into the request scope, and a
// filter drops them. If the read fails or overruns, the page is served without it (degraded).
import type { Database } from "@cascade/db";
import type { Filter, QueryHydrator } from "../funnel/index.ts";
import { loadUserExclusions } from "../recommend/userExclusions.ts";
import type { RequestScope } from "./requestScope.ts";

export function userExclusionsHydrator(db: Database, scope: RequestScope, budgetMs: number): QueryHydrator {
  return {
    id: "userExclusions",
    budgetMs,
    async hydrate(query) {
      const excluded = await loadUserExclusions(db, query.userId);
      for (const itemId of excluded) scope.exclusions.add(itemId);
      return {};
    },
  };
}

export function userExclusionsFilter(scope: RequestScope): Filter {
  return {
    id: "userExclusions",
    apply(_query, candidates) {
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
