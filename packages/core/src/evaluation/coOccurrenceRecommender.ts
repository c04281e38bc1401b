import type { InteractionLog } from "./interactionLog.ts";
import { itemPopularity } from "./interactionLog.ts";
import { ItemMarker } from "./itemSet.ts";
import { takeUnseen } from "./popularityRecommender.ts";
import { binaryCosineNeighbours } from "./itemNeighbours.ts";
import type { Recommender } from "./recommender.ts";
import { topKAmong } from "./topKSelection.ts";

export interface CoOccurrenceOptions {
  /** Neighbours kept per item (the rest are dropped at fit time to bound memory). Default 100. */
  neighbours?: number;
  /**
   * Only each user's most recent distinct items (in log order) count as co-occurring. Pair
   * counting costs Σ history², so one bot with 100k events would otherwise dominate fit time.
   * Default 500.
   */
  maxUserHistory?: number;
  /** Fill lists shorter than k (no co-occurring candidates) with popular unseen items. Default true. */
  backfillWithPopularity?: boolean;
}

/**
 * Item-to-item co-occurrence ("users who interacted with X also interacted with Y"): similarity of
 * two items is the number of users who have both, normalised by √(users(X)·users(Y)) — binary
 * cosine — so that blockbusters do not co-occur with everything. A candidate's score is its summed
 * similarity to the user's distinct history items, counting only each history item's own top
 * neighbours (item kNN, itemKnnRecommender.ts, restricts to the candidate's instead) and
 * backfilling with popular items; this is the engine's co-visitation source, evaluated offline.
 * Neighbour lists are precomputed and truncated, so a query costs O(|history| · neighbours).
 */
export function fitCoOccurrence(train: InteractionLog, options: CoOccurrenceOptions = {}): Recommender {
  const maxNeighbours = options.neighbours ?? 100;
  const maxUserHistory = options.maxUserHistory ?? 500;
  const backfill = options.backfillWithPopularity ?? true;
  const numItems = train.numItems;
  const neighbours = binaryCosineNeighbours(train, { neighbours: maxNeighbours, maxUserHistory });
  const neighbourOffsets = neighbours.offsets;
  const neighbourItems = neighbours.items;
  const neighbourWeights = neighbours.weights;

  const popularityCounts = itemPopularity(train);
  const popularOrder = new Int32Array(numItems);
  for (let i = 0; i < numItems; i++) popularOrder[i] = i;
  popularOrder.sort((a, b) => popularityCounts[b]! - popularityCounts[a]! || a - b);

  const scores = new Float64Array(numItems);
  const seen = new ItemMarker(numItems);
  const counted = new ItemMarker(numItems);
  const scored = new Int32Array(numItems);
  return {
    recommend(_user, history, k) {
      seen.clear();
      counted.clear();
      for (let h = 0; h < history.length; h++) seen.add(history[h]!);
      let scoredCount = 0;
      for (let h = 0; h < history.length; h++) {
        const item = history[h]!;
        // Count each history item once even if the user interacted with it repeatedly.
        if (!counted.add(item)) continue;
        for (let x = neighbourOffsets[item]!; x < neighbourOffsets[item + 1]!; x++) {
          const j = neighbourItems[x]!;
          if (seen.has(j)) continue;
          if (scores[j] === 0) scored[scoredCount++] = j;
          scores[j]! += neighbourWeights[x]!;
        }
      }
      const candidates = scored.subarray(0, scoredCount);
      const top = topKAmong(candidates, scores, k);
      for (let c = 0; c < scoredCount; c++) scores[candidates[c]!] = 0;
      if (!backfill || top.length >= k) return top;
      const out = new Int32Array(Math.min(k, numItems));
      out.set(top);
      for (let t = 0; t < top.length; t++) seen.add(top[t]!);
      return takeUnseen(popularOrder, seen, k, out, top.length);
    },
  };
}
