// Merge and dedupe candidate lists from several sources, keeping every source's {id, rank, score}.
//
// Quotas: a source contributes its top `quota` items (by its own rank). An item enters the merged
// set if at least one source admits it; its provenance then lists every source that returned it,
// including sources that ranked it past their quota (so the trace shows all retrievers that agree).
// Merged order is by best admitted rank, ties broken by source declaration order: a round-robin
// over sources, so `maxCandidates` cuts every source's tail rather than one source entirely.
import { NO_VALUES, type Candidate, type ItemAttributes, type SourceCandidate, type SourceHit } from "./candidate.ts";
import type { RemovedItem } from "./trace.ts";

export type SourceOutput = { sourceId: string; quota: number; candidates: readonly SourceCandidate[] };

// Per-item state lives in parallel arrays indexed by first sighting (the Map holds that index):
// no entry object per item, and typed scratch reused across requests (merge is synchronous).
let bestRanks = new Int32Array(1024);
let bestSources = new Int32Array(1024);
let lastSources = new Int32Array(1024);
let bySighting = new Int32Array(1024);
let bySource = new Int32Array(1024);
let order = new Int32Array(1024);
let tally = new Int32Array(1024);
// A source's slot hint per item (SourceCandidate.itemSlot; NO_HINT when none gave one) and its generation.
let hintSlots = new Int32Array(1024);
let hintEpochs = new Int32Array(1024);
const NO_HINT = -1;
// Per-item lists by first sighting, reused across requests like the typed scratch (grown by index,
// never by push from empty; cleared of references after each merge).
const itemIds: (string | undefined)[] = [];
const hits: (SourceHit[] | undefined)[] = [];
const items: (ItemAttributes | undefined)[] = [];
const embeddings: (Float32Array | readonly number[] | undefined)[] = [];
/** bestRanks value of an item no source admitted (within its quota). */
const NOT_ADMITTED = -1;

/** How many of `admitted` items `maxCandidates` keeps: the length of admitted.slice(0, maxCandidates). */
function keptCount(admitted: number, maxCandidates: number): number {
  const limit = Number.isNaN(maxCandidates) ? 0 : Math.trunc(maxCandidates);
  return limit < 0 ? Math.max(0, admitted + limit) : Math.min(admitted, limit);
}

/** Stable counting sort of the first `length` item indices of `from` into `to` by `keyOf[index]` (0 ≤ key < keys). */
function countingSort(from: Int32Array, to: Int32Array, length: number, keyOf: Int32Array, keys: number): void {
  if (tally.length < keys + 1) tally = new Int32Array(Math.max(keys + 1, 2 * tally.length));
  tally.fill(0, 0, keys + 1);
  for (let i = 0; i < length; i++) tally[keyOf[from[i]!]! + 1]!++;
  for (let key = 1; key <= keys; key++) tally[key]! += tally[key - 1]!;
  for (let i = 0; i < length; i++) {
    const index = from[i]!;
    to[tally[keyOf[index]!]!++] = index;
  }
}

export function mergeCandidates(outputs: readonly SourceOutput[], maxCandidates: number): { candidates: Candidate[]; removed: RemovedItem[] } {
  let fetched = 0;
  let longest = 0;
  for (const output of outputs) {
    fetched += output.candidates.length;
    longest = Math.max(longest, output.candidates.length);
  }
  if (bestRanks.length < fetched) {
    const size = Math.max(fetched, 2 * bestRanks.length);
    bestRanks = new Int32Array(size);
    bestSources = new Int32Array(size);
    lastSources = new Int32Array(size);
    bySighting = new Int32Array(size);
    bySource = new Int32Array(size);
    order = new Int32Array(size);
    hintSlots = new Int32Array(size);
    hintEpochs = new Int32Array(size);
  }
  const indexOf = new Map<string, number>();
  let count = 0;
  for (let sourceIndex = 0; sourceIndex < outputs.length; sourceIndex++) {
    const { sourceId, quota, candidates } = outputs[sourceIndex]!;
    for (let rank = 0; rank < candidates.length; rank++) {
      const found = candidates[rank]!;
      const hit: SourceHit = found.score === undefined ? { id: sourceId, rank } : { id: sourceId, rank, score: found.score };
      let index = indexOf.get(found.itemId);
      if (index === undefined) {
        index = count++;
        indexOf.set(found.itemId, index);
        itemIds[index] = found.itemId;
        // Provenance starts as a one-element literal: most items have one source, and an array
        // grown from [] by push reserves room for 17 (×500 candidates per request).
        hits[index] = [hit];
        items[index] = found.item;
        embeddings[index] = found.embedding;
        bestRanks[index] = NOT_ADMITTED;
        bestSources[index] = sourceIndex;
        hintSlots[index] = NO_HINT;
      } else {
        if (lastSources[index] === sourceIndex) continue; // a source listing an item twice keeps its best (first) rank
        hits[index]!.push(hit);
        items[index] ??= found.item;
        embeddings[index] ??= found.embedding;
      }
      lastSources[index] = sourceIndex;
      if (hintSlots[index] === NO_HINT && found.itemSlot !== undefined && found.itemSlot >= 0 && found.itemSlotEpoch !== undefined) {
        hintSlots[index] = found.itemSlot;
        hintEpochs[index] = found.itemSlotEpoch;
      }
      if (rank < quota && (bestRanks[index] === NOT_ADMITTED || rank < bestRanks[index]!)) {
        bestRanks[index] = rank;
        bestSources[index] = sourceIndex;
      }
    }
  }

  // Merged order: best admitted rank, then source declaration order, then first sighting. Two
  // stable counting sorts (by source, then by rank) over the admitted indices, which start in
  // first-sighting order: linear, no comparator calls, no boxed keys.
  const removed: RemovedItem[] = [];
  let admitted = 0;
  for (let index = 0; index < count; index++) {
    if (bestRanks[index] === NOT_ADMITTED)
      removed.push({ itemId: itemIds[index]!, reason: `over quota (${hits[index]!.map((hit) => `${hit.id}#${hit.rank}`).join(", ")})` });
    else bySighting[admitted++] = index;
  }
  countingSort(bySighting, bySource, admitted, bestSources, outputs.length);
  countingSort(bySource, order, admitted, bestRanks, longest);
  const kept = keptCount(admitted, maxCandidates);
  if (kept < admitted) {
    const reason = `beyond maxCandidates ${maxCandidates}`;
    for (let position = kept; position < admitted; position++) removed.push({ itemId: itemIds[order[position]!]!, reason });
  }
  const candidates: Candidate[] = new Array<Candidate>(kept);
  for (let position = 0; position < kept; position++) {
    const index = order[position]!;
    const itemId = itemIds[index]!;
    const sources = hits[index]!;
    const item = items[index];
    const embedding = embeddings[index];
    // The slot hint is always present (undefined without one): one hidden class with or without it.
    const hinted = hintSlots[index] !== NO_HINT;
    const itemSlot = hinted ? hintSlots[index] : undefined;
    const itemSlotEpoch = hinted ? hintEpochs[index] : undefined;
    // One literal per combination (same key order as adding item, then embedding): the object is
    // built at its final size instead of growing a property backing store.
    candidates[position] = item
      ? embedding
        ? { itemId, sources, features: NO_VALUES, requestFeatures: NO_VALUES, scores: NO_VALUES, score: 0, itemSlot, itemSlotEpoch, item, embedding }
        : { itemId, sources, features: NO_VALUES, requestFeatures: NO_VALUES, scores: NO_VALUES, score: 0, itemSlot, itemSlotEpoch, item }
      : embedding
        ? { itemId, sources, features: NO_VALUES, requestFeatures: NO_VALUES, scores: NO_VALUES, score: 0, itemSlot, itemSlotEpoch, embedding }
        : { itemId, sources, features: NO_VALUES, requestFeatures: NO_VALUES, scores: NO_VALUES, score: 0, itemSlot, itemSlotEpoch };
  }
  // The scratch lists must not keep this request's items alive until the next merge.
  itemIds.fill(undefined, 0, count);
  hits.fill(undefined, 0, count);
  items.fill(undefined, 0, count);
  embeddings.fill(undefined, 0, count);
  return { candidates, removed };
}
