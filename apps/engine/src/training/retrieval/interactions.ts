// Positive (user, item) interactions for retrieval training, as flat typed arrays in time order,
// plus the time-ordered train/validation split and per-user histories (CSR) built from them.
import { FINITE_SCORES, topKByScore } from "@cascade/core";

/** Event types that count as "the user wanted this item". */
export const POSITIVE_EVENT_TYPES: readonly string[] = ["click", "like", "watch", "purchase"];

/** Interactions in time order: interaction j is (user[j], item[j]) first seen at timeMs[j]. */
export type Interactions = {
  count: number;
  user: Int32Array;
  item: Int32Array;
  timeMs: Float64Array;
};

/** Anything with indices for user and item: demo events, or rows read from the event log. */
export type IndexedEvent = { type: string; user: number; item: number; timeMs: number };

/**
 * The first positive event of every (user, item) pair, in the order the events come (pass them
 * oldest first). A click followed by a watch and a like is one interaction: the model learns
 * which items a user wants, and repeated signals about one pair would only re-weight it.
 */
export function positiveInteractions(events: Iterable<IndexedEvent>, types: readonly string[] = POSITIVE_EVENT_TYPES): Interactions {
  const wanted = new Set(types);
  const seen = new Set<number>();
  let capacity = 1024;
  let user: Int32Array = new Int32Array(capacity);
  let item: Int32Array = new Int32Array(capacity);
  let timeMs: Float64Array = new Float64Array(capacity);
  let count = 0;
  let previousTime = -Infinity;
  for (const event of events) {
    if (!wanted.has(event.type)) continue;
    if (event.timeMs < previousTime) throw new Error("positiveInteractions: events must come oldest first");
    previousTime = event.timeMs;
    // user·2^26 + item stays an exact double for up to 2^27 users and 2^26 items.
    const key = event.user * 67_108_864 + event.item;
    if (seen.has(key)) continue;
    seen.add(key);
    if (count === capacity) {
      capacity *= 2;
      user = grow(user, capacity);
      item = grow(item, capacity);
      const times = new Float64Array(capacity);
      times.set(timeMs);
      timeMs = times;
    }
    user[count] = event.user;
    item[count] = event.item;
    timeMs[count] = event.timeMs;
    count += 1;
  }
  return { count, user: user.slice(0, count), item: item.slice(0, count), timeMs: timeMs.slice(0, count) };
}

function grow(array: Int32Array, capacity: number): Int32Array {
  const grown = new Int32Array(capacity);
  grown.set(array);
  return grown;
}

/** Interactions before splitAtMs train; the rest (later, and by construction new pairs) validate. */
export function splitByTime(interactions: Interactions, splitAtMs: number): { train: Interactions; validation: Interactions } {
  let cut = 0;
  while (cut < interactions.count && interactions.timeMs[cut]! < splitAtMs) cut += 1;
  const slice = (from: number, to: number): Interactions => ({
    count: to - from,
    user: interactions.user.slice(from, to),
    item: interactions.item.slice(from, to),
    timeMs: interactions.timeMs.slice(from, to),
  });
  return { train: slice(0, cut), validation: slice(cut, interactions.count) };
}

/**
 * Each user's items in time order (CSR): user u's items are items[offsets[u] .. offsets[u+1]).
 * `position[j]` is where interaction j landed, so its history (the items before it) is
 * items[offsets[user[j]] .. position[j]).
 */
export type UserHistories = { offsets: Int32Array; items: Int32Array; position: Int32Array };

export function buildUserHistories(interactions: Interactions, users: number): UserHistories {
  const offsets = new Int32Array(users + 1);
  for (let j = 0; j < interactions.count; j += 1) offsets[interactions.user[j]! + 1] = offsets[interactions.user[j]! + 1]! + 1;
  for (let u = 0; u < users; u += 1) offsets[u + 1] = offsets[u + 1]! + offsets[u]!;
  const fill = offsets.slice(0, users);
  const items = new Int32Array(interactions.count);
  const position = new Int32Array(interactions.count);
  for (let j = 0; j < interactions.count; j += 1) {
    const slot = fill[interactions.user[j]!]!;
    fill[interactions.user[j]!] = slot + 1;
    items[slot] = interactions.item[j]!;
    position[j] = slot;
  }
  return { offsets, items, position };
}

/** How many times each item occurs in the interactions. */
export function itemCounts(interactions: Interactions, items: number): Float64Array {
  const counts = new Float64Array(items);
  for (let j = 0; j < interactions.count; j += 1) counts[interactions.item[j]!] = counts[interactions.item[j]!]! + 1;
  return counts;
}

/**
 * Scores every item for a user: write one score per item into `scores`; set -Infinity to exclude.
 * `history` is the user's training items in time order; recallAtK sets their scores to -Infinity
 * after the scorer runs, so the scorer need not exclude them.
 */
export type UserScorer = (user: number, history: Int32Array, scores: Float32Array) => void;

export type RecallOptions = {
  /** Evaluate at most this many users (every n-th validation user, deterministic). */
  maxUsers?: number;
};

/**
 * Mean over validation users of recall@K: the share of their held-out items (pairs first seen in
 * the validation window) found in the top K of a full ranking that excludes the items they
 * already interacted with in training. The standard "full ranking" protocol, no sampled negatives.
 */
export function recallAtK(
  train: Interactions,
  validation: Interactions,
  items: number,
  users: number,
  k: number,
  score: UserScorer,
  options: RecallOptions = {},
): number {
  const history = buildUserHistories(train, users);
  const heldOut = buildUserHistories(validation, users);
  const evaluated: number[] = [];
  for (let u = 0; u < users; u += 1) if (heldOut.offsets[u + 1]! > heldOut.offsets[u]!) evaluated.push(u);
  const picks = options.maxUsers !== undefined && evaluated.length > options.maxUsers ? options.maxUsers : evaluated.length;
  const scores = new Float32Array(items);
  const wanted = new Uint8Array(items);
  let total = 0;
  let counted = 0;
  for (let pick = 0; pick < picks; pick += 1) {
    const u = evaluated[Math.floor((pick * evaluated.length) / picks)]!;
    const past = history.items.subarray(history.offsets[u]!, history.offsets[u + 1]!);
    score(u, past, scores);
    for (let h = 0; h < past.length; h += 1) scores[past[h]!] = -Infinity;
    const targets = heldOut.items.subarray(heldOut.offsets[u]!, heldOut.offsets[u + 1]!);
    for (let t = 0; t < targets.length; t += 1) wanted[targets[t]!] = 1;
    const top = topKByScore(scores, k, undefined, FINITE_SCORES);
    let hits = 0;
    for (let r = 0; r < top.length; r += 1) hits += wanted[top[r]!]!;
    for (let t = 0; t < targets.length; t += 1) wanted[targets[t]!] = 0;
    total += hits / targets.length;
    counted += 1;
  }
  return counted === 0 ? 0 : total / counted;
}
