// Recently viewed → co-visitation: the neighbours (coVisitationTable.ts) of the user's most recent
// items (query hydrator `userHistory` supplies seenAtMs), each neighbour scored by the sum of its
// similarity to each recent item weighted 1/(1 + recency rank). A pure in-memory lookup.
import type { CandidateSource, SourceCandidate } from "../funnel/index.ts";
import type { PeriodicSnapshot } from "../caching/periodicSnapshot.ts";
import { ComponentUnavailableError } from "./componentUnavailableError.ts";
import type { CoVisitationTable } from "./coVisitationTable.ts";

export const COVISITATION_SOURCE_ID = "covisitation";

/** The user's items, most recent first. */
export function recentItemIds(seenAtMs: ReadonlyMap<string, number> | undefined, nowMs: number): string[] {
  if (!seenAtMs) return [];
  return [...seenAtMs.entries()]
    .filter(([, at]) => at < nowMs)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([itemId]) => itemId);
}

export function coVisitationSource(table: PeriodicSnapshot<CoVisitationTable>, options: { seeds?: number } = {}): CandidateSource {
  const seeds = options.seeds ?? 10;
  return {
    id: COVISITATION_SOURCE_ID,
    budgetMs: 15,
    async fetch(query, limit): Promise<SourceCandidate[]> {
      const current = table.current;
      if (!current) throw new ComponentUnavailableError("the co-visitation table is not built yet");
      const recent = recentItemIds(query.seenAtMs, query.nowMs).slice(0, seeds);
      const recentSet = new Set(recent);
      const scores = new Map<string, number>();
      recent.forEach((itemId, rank) => {
        current.neighbours.forEach(itemId, (neighbourId, score) => {
          if (!recentSet.has(neighbourId)) scores.set(neighbourId, (scores.get(neighbourId) ?? 0) + score / (1 + rank));
        });
      });
      return [...scores.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, limit)
        .map(([itemId, score]) => ({ itemId, score }));
    },
  };
}
