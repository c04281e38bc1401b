// A source reading the top of a cached ranking snapshot (PopularityRanking), shared by the
// trending and popularity sources: no store or database call on the request path.
import type { CandidateSource, SourceCandidate } from "../funnel/index.ts";
import type { PopularityRanking } from "./popularityRanking.ts";
import { ComponentUnavailableError } from "./componentUnavailableError.ts";

export function rankingSource(id: string, ranking: PopularityRanking, budgetMs: number): CandidateSource {
  return {
    id,
    budgetMs,
    async fetch(_query, limit): Promise<SourceCandidate[]> {
      const snapshot = await ranking.currentSnapshot().catch((error: unknown) => {
        throw new ComponentUnavailableError(`no ${id} ranking loaded yet (${error instanceof Error ? error.message : String(error)})`);
      });
      return snapshot.items.slice(0, limit).map((item) => ({ itemId: item.itemId, score: item.score }));
    },
  };
}
