import type { InteractionLog } from "./interactionLog.ts";
import { ItemMarker } from "./itemSet.ts";
import { topKAmong } from "./topKSelection.ts";
import { groupByUser } from "./userHistories.ts";

/** Each item's strongest neighbours as CSR: item i's are items[offsets[i] .. offsets[i+1]), best first. */
export interface ItemNeighbours {
  readonly offsets: Int32Array;
  readonly items: Int32Array;
  readonly weights: Float64Array;
}

export interface ItemNeighboursOptions {
  /** Neighbours kept per item. */
  neighbours: number;
  /** Only each user's most recent distinct items (log order) count; bounds the Σ history² pair count. */
  maxUserHistory?: number;
  /** Added to the cosine's denominator, damping similarities resting on few common users. Default 0. */
  shrink?: number;
}

/**
 * Binary cosine between items over their sets of users, |U(i) ∩ U(j)| / (√(|U(i)|·|U(j)|) + shrink),
 * keeping each item's top `neighbours` (never itself; ties to the lower index). Pairs are counted
 * from per-user item lists, so the cost is Σ_users |history|², not items².
 */
export function binaryCosineNeighbours(train: InteractionLog, options: ItemNeighboursOptions): ItemNeighbours {
  const maxNeighbours = options.neighbours;
  const maxUserHistory = options.maxUserHistory ?? Number.POSITIVE_INFINITY;
  const shrink = options.shrink ?? 0;
  if (!(Number.isInteger(maxNeighbours) && maxNeighbours > 0)) throw new Error(`neighbours must be a positive integer, got ${maxNeighbours}`);
  if (!(shrink >= 0)) throw new Error(`shrink must be ≥ 0, got ${shrink}`);
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
  const offsets = new Int32Array(numItems + 1);
  let items = new Int32Array(Math.max(16, numItems * Math.min(maxNeighbours, 8)));
  let weights = new Float64Array(items.length);
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
      counts[j] = counts[j]! / (Math.sqrt(degree[i]! * degree[j]!) + shrink);
    }
    const best = topKAmong(candidates, counts, maxNeighbours);
    if (stored + best.length > items.length) {
      const grown = Math.max(items.length * 2, stored + best.length);
      const grownItems = new Int32Array(grown);
      grownItems.set(items.subarray(0, stored));
      const grownWeights = new Float64Array(grown);
      grownWeights.set(weights.subarray(0, stored));
      items = grownItems;
      weights = grownWeights;
    }
    for (let b = 0; b < best.length; b++) {
      items[stored] = best[b]!;
      weights[stored++] = counts[best[b]!]!;
    }
    offsets[i + 1] = stored;
    for (let c = 0; c < touchedCount; c++) counts[candidates[c]!] = 0;
  }
  return { offsets, items: items.slice(0, stored), weights: weights.slice(0, stored) };
}
