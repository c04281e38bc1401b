import type { InteractionLog } from "./interactionLog.ts";
import { itemPopularity } from "./interactionLog.ts";
import { ItemMarker } from "./itemSet.ts";
import { takeUnseen } from "./popularityRecommender.ts";
import type { Recommender } from "./recommender.ts";
import { topKAmong } from "./topKSelection.ts";
import { groupByUser } from "./userHistories.ts";

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
 * similarity to the user's distinct history items. Neighbour lists are precomputed and truncated,
 * so a query costs O(|history| · neighbours).
 */
export function fitCoOccurrence(train: InteractionLog, options: CoOccurrenceOptions = {}): Recommender {
  const maxNeighbours = options.neighbours ?? 100;
  const maxUserHistory = options.maxUserHistory ?? 500;
  const backfill = options.backfillWithPopularity ?? true;
  const numItems = train.numItems;
  const numUsers = train.numUsers;
  const byUser = groupByUser(train);
  const marker = new ItemMarker(numItems);

  // Distinct recent items per user (CSR), newest kept when capped.
  const userOffsets = new Int32Array(numUsers + 1);
  const distinct = new Int32Array(byUser.items.length);
  let write = 0;
  for (let u = 0; u < numUsers; u++) {
    marker.clear();
    const start = byUser.offsets[u]!;
    const first = write;
    for (let j = byUser.offsets[u + 1]! - 1; j >= start && write - first < maxUserHistory; j--) {
      if (marker.add(byUser.items[j]!)) distinct[write++] = byUser.items[j]!;
    }
    userOffsets[u + 1] = write;
  }

  // Item → users (CSR) and each item's user count.
  const itemOffsets = new Int32Array(numItems + 1);
  for (let j = 0; j < write; j++) itemOffsets[distinct[j]! + 1]!++;
  const degree = new Float64Array(numItems);
  for (let i = 0; i < numItems; i++) {
    degree[i] = itemOffsets[i + 1]!;
    itemOffsets[i + 1]! += itemOffsets[i]!;
  }
  const itemUsers = new Int32Array(write);
  const cursor = itemOffsets.slice(0, numItems);
  for (let u = 0; u < numUsers; u++) {
    for (let j = userOffsets[u]!; j < userOffsets[u + 1]!; j++) itemUsers[cursor[distinct[j]!]!++] = u;
  }

  // Truncated neighbour lists, appended to growable buffers (sizes unknown until counted).
  const neighbourOffsets = new Int32Array(numItems + 1);
  let neighbourItems = new Int32Array(Math.max(16, numItems * Math.min(maxNeighbours, 8)));
  let neighbourWeights = new Float64Array(neighbourItems.length);
  let stored = 0;
  const counts = new Float64Array(numItems);
  const touched = new Int32Array(numItems);
  for (let i = 0; i < numItems; i++) {
    let touchedCount = 0;
    for (let x = itemOffsets[i]!; x < itemOffsets[i + 1]!; x++) {
      const u = itemUsers[x]!;
      for (let j = userOffsets[u]!; j < userOffsets[u + 1]!; j++) {
        const other = distinct[j]!;
        if (other === i) continue;
        if (counts[other] === 0) touched[touchedCount++] = other;
        counts[other]!++;
      }
    }
    const candidates = touched.subarray(0, touchedCount);
    for (let c = 0; c < touchedCount; c++) {
      const j = candidates[c]!;
      counts[j] = counts[j]! / Math.sqrt(degree[i]! * degree[j]!);
    }
    const best = topKAmong(candidates, counts, maxNeighbours);
    if (stored + best.length > neighbourItems.length) {
      const grown = Math.max(neighbourItems.length * 2, stored + best.length);
      const items = new Int32Array(grown);
      items.set(neighbourItems.subarray(0, stored));
      const weights = new Float64Array(grown);
      weights.set(neighbourWeights.subarray(0, stored));
      neighbourItems = items;
      neighbourWeights = weights;
    }
    for (let b = 0; b < best.length; b++) {
      neighbourItems[stored] = best[b]!;
      neighbourWeights[stored++] = counts[best[b]!]!;
    }
    neighbourOffsets[i + 1] = stored;
    for (let c = 0; c < touchedCount; c++) counts[candidates[c]!] = 0;
  }

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
