// Merge and dedupe candidate lists from several sources, keeping every source's {id, rank, score}.
//
// Quotas: a source contributes its top `quota` items (by its own rank). An item enters the merged
// set if at least one source admits it; its provenance then lists every source that returned it,
// including sources that ranked it past their quota (so the trace shows all retrievers that agree).
// Merged order is by best admitted rank, ties broken by source declaration order: a round-robin
// over sources, so `maxCandidates` cuts every source's tail rather than one source entirely.
import type { Candidate, ItemAttributes, SourceCandidate, SourceHit } from "./candidate.ts";
import type { RemovedItem } from "./trace.ts";

export type SourceOutput = { sourceId: string; quota: number; candidates: readonly SourceCandidate[] };

type Entry = {
  itemId: string;
  hits: SourceHit[];
  bestRank: number;
  bestSourceIndex: number;
  /** The last source that listed it: a source listing an item twice keeps its best (first) rank. */
  lastSourceIndex: number;
  firstSeen: number;
  item?: ItemAttributes;
  embedding?: Float32Array | readonly number[];
};

export function mergeCandidates(outputs: readonly SourceOutput[], maxCandidates: number): { candidates: Candidate[]; removed: RemovedItem[] } {
  const entries = new Map<string, Entry>();
  let seen = 0;
  outputs.forEach(({ sourceId, quota, candidates }, sourceIndex) => {
    candidates.forEach((found, rank) => {
      const hit: SourceHit = found.score === undefined ? { id: sourceId, rank } : { id: sourceId, rank, score: found.score };
      let entry = entries.get(found.itemId);
      if (!entry) {
        // Provenance starts as a one-element literal: most items have one source, and an array
        // grown from [] by push reserves room for 17 (×500 candidates per request).
        entry = {
          itemId: found.itemId,
          hits: [hit],
          bestRank: Number.POSITIVE_INFINITY,
          bestSourceIndex: sourceIndex,
          lastSourceIndex: sourceIndex,
          firstSeen: seen++,
        };
        entries.set(found.itemId, entry);
      } else {
        if (entry.lastSourceIndex === sourceIndex) return; // a source listing an item twice keeps its best rank
        entry.lastSourceIndex = sourceIndex;
        entry.hits.push(hit);
      }
      entry.item ??= found.item;
      entry.embedding ??= found.embedding;
      if (rank < quota && rank < entry.bestRank) {
        entry.bestRank = rank;
        entry.bestSourceIndex = sourceIndex;
      }
    });
  });

  const removed: RemovedItem[] = [];
  const admitted: Entry[] = [];
  for (const entry of entries.values()) {
    if (Number.isFinite(entry.bestRank)) admitted.push(entry);
    else removed.push({ itemId: entry.itemId, reason: `over quota (${entry.hits.map((hit) => `${hit.id}#${hit.rank}`).join(", ")})` });
  }
  admitted.sort((a, b) => a.bestRank - b.bestRank || a.bestSourceIndex - b.bestSourceIndex || a.firstSeen - b.firstSeen);
  for (const entry of admitted.slice(maxCandidates)) removed.push({ itemId: entry.itemId, reason: `beyond maxCandidates ${maxCandidates}` });

  const candidates = admitted.slice(0, maxCandidates).map((entry): Candidate => {
    const candidate: Candidate = { itemId: entry.itemId, sources: entry.hits, features: {}, scores: {}, score: 0 };
    if (entry.item) candidate.item = entry.item;
    if (entry.embedding) candidate.embedding = entry.embedding;
    return candidate;
  });
  return { candidates, removed };
}
