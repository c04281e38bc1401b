import { itemPopularity, type InteractionLog } from "./interactionLog.ts";
import { ItemMarker } from "./itemSet.ts";
import type { Recommender } from "./recommender.ts";

/**
 * Most-interacted items in the training split, minus what the user already has. The floor every
 * personalised model must clear. The catalogue is sorted once at fit time; each query walks that
 * order, so it is O(k + |history|).
 */
export function fitPopularity(train: InteractionLog): Recommender {
  const counts = itemPopularity(train);
  const order = new Int32Array(train.numItems);
  for (let i = 0; i < order.length; i++) order[i] = i;
  // Ties go to the lower index: deterministic across runs.
  order.sort((a, b) => counts[b]! - counts[a]! || a - b);
  const seen = new ItemMarker(train.numItems);
  return {
    recommend(_user, history, k) {
      seen.clear();
      for (let i = 0; i < history.length; i++) seen.add(history[i]!);
      return takeUnseen(order, seen, k);
    },
  };
}

/** The first k entries of `order` not in `seen`. */
export function takeUnseen(order: Int32Array, seen: ItemMarker, k: number, into?: Int32Array, from = 0): Int32Array {
  const out = into ?? new Int32Array(Math.min(k, order.length));
  let n = from;
  for (let i = 0; i < order.length && n < out.length; i++) {
    const item = order[i]!;
    if (!seen.has(item)) {
      out[n++] = item;
      seen.add(item);
    }
  }
  return n === out.length ? out : out.subarray(0, n);
}
