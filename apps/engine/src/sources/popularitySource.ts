// Popularity: the cached popularity ranking (3-day half-life; popularityRanking.ts) as a
// candidate source. Not in the default surface configs; a rule set may list it (id "popularity"),
// and it is the list the fallback chain ends with.
import type { CandidateSource } from "../funnel/index.ts";
import type { PopularityRanking } from "./popularityRanking.ts";
import { rankingSource } from "./rankingSource.ts";
import type { ItemSlots } from "../caching/itemSlots.ts";

/** The popularity list's component id (also the safe fallback's source). */
export const POPULARITY_SOURCE_ID = "popularity";

export function popularitySource(ranking: PopularityRanking, slots?: ItemSlots): CandidateSource {
  return rankingSource(POPULARITY_SOURCE_ID, ranking, 15, slots);
}
