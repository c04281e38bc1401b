import type { InteractionLog } from "./interactionLog.ts";
import { binaryCosineNeighbours } from "./itemNeighbours.ts";
import { ItemMarker } from "./itemSet.ts";
import type { Recommender } from "./recommender.ts";
import { topKAmong, topKByScore } from "./topKSelection.ts";

export interface ItemKnnOptions {
  /** Neighbours kept per item (RecBole's `k`). Default 100. */
  neighbours?: number;
  /** Cosine shrink term (RecBole's `shrink`). Default 0. */
  shrink?: number;
}

/**
 * Item-based kNN as the published baselines define it (RecBole's ItemKNN, after Aiolli 2013):
 * sim(j, i) is the binary cosine of the items' user sets, each item i keeps its top-k most similar
 * items N(i), and score(u, i) = Σ_{j ∈ history(u) ∩ N(i)} sim(j, i). The restriction is to the
 * candidate's neighbours, so the lists are transposed once at fit time (j → the items whose N
 * contains j) and a query walks only its history items' entries. Items no neighbour reaches score
 * 0 and rank after the rest by index, as in a full sort over all items.
 */
export function fitItemKnn(train: InteractionLog, options: ItemKnnOptions = {}): Recommender {
  const n = train.numItems;
  const neighbours = binaryCosineNeighbours(train, { neighbours: options.neighbours ?? 100, shrink: options.shrink ?? 0 });

  // Transpose: reverse[j] lists (i, sim(j, i)) for every i with j ∈ N(i).
  const reverseOffsets = new Int32Array(n + 1);
  for (let x = 0; x < neighbours.items.length; x++) reverseOffsets[neighbours.items[x]! + 1]!++;
  for (let j = 0; j < n; j++) reverseOffsets[j + 1]! += reverseOffsets[j]!;
  const reverseItems = new Int32Array(neighbours.items.length);
  const reverseWeights = new Float64Array(neighbours.items.length);
  const cursor = reverseOffsets.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let x = neighbours.offsets[i]!; x < neighbours.offsets[i + 1]!; x++) {
      const at = cursor[neighbours.items[x]!]!++;
      reverseItems[at] = i;
      reverseWeights[at] = neighbours.weights[x]!;
    }
  }

  const scores = new Float64Array(n);
  const seen = new ItemMarker(n);
  const scored = new Int32Array(n);
  const isScored = new ItemMarker(n);
  const counted = new ItemMarker(n);
  return {
    recommend(_user, history, k) {
      seen.clear();
      isScored.clear();
      counted.clear();
      for (let h = 0; h < history.length; h++) seen.add(history[h]!);
      let scoredCount = 0;
      for (let h = 0; h < history.length; h++) {
        const j = history[h]!;
        // A repeated history item counts once (the user × item matrix is binary).
        if (!counted.add(j)) continue;
        for (let x = reverseOffsets[j]!; x < reverseOffsets[j + 1]!; x++) {
          const i = reverseItems[x]!;
          if (seen.has(i)) continue;
          if (isScored.add(i)) scored[scoredCount++] = i;
          scores[i]! += reverseWeights[x]!;
        }
      }
      const candidates = scored.subarray(0, scoredCount);
      // Fewer positive scores than k: rank the whole catalogue (the zeros follow by index).
      const top = scoredCount >= k ? topKAmong(candidates, scores, k) : topKByScore(scores, k, seen);
      for (let c = 0; c < scoredCount; c++) scores[candidates[c]!] = 0;
      return top;
    },
  };
}
