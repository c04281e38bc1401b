// Cold start: for a user with no known history and no follows (an unknown user, or one whose
// history could not be read), the cached popularity ranking joins the surface's sources, so a
// brand-new user gets what is popular now besides what is trending and fresh. For everyone else
// it returns nothing. Added by the engine to every surface that does not list "popularity" itself.
import type { CandidateSource } from "../funnel/index.ts";
import type { PopularityRanking } from "./popularityRanking.ts";
import { rankingSource } from "./rankingSource.ts";
import type { ItemSlots } from "../caching/itemSlots.ts";

export const COLD_START_SOURCE_ID = "coldStart";
export const COLD_START_QUOTA = 200;

export function coldStartSource(ranking: PopularityRanking, slots?: ItemSlots): CandidateSource {
  const popular = rankingSource(COLD_START_SOURCE_ID, ranking, 15, slots);
  return {
    ...popular,
    async fetch(query, limit, signal) {
      const hasHistory = (query.seenAtMs?.size ?? 0) > 0 || (query.followedCreatorIds?.length ?? 0) > 0;
      return hasHistory ? [] : popular.fetch(query, limit, signal);
    },
  };
}
