// Popularity: the cached popularity ranking (3-day half-life; recommend/popularityRanking.ts) as a
// candidate source. Not in the default surface configs; a rule set may list it (id "popularity"),
// and it is the list the fallback chain ends with.
import type { CandidateSource } from "../funnel/index.ts";
import type { PopularityRanking } from "../recommend/popularityRanking.ts";
import { POPULARITY_SOURCE_ID } from "../recommend/popularityRecommender.ts";
import { rankingSource } from "./rankingSource.ts";

export function popularitySource(ranking: PopularityRanking): CandidateSource {
  return rankingSource(POPULARITY_SOURCE_ID, ranking, 15);
}
