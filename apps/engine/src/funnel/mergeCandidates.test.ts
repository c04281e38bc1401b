import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Candidate, SourceCandidate, SourceHit } from "./candidate.ts";
import { mergeCandidates, type SourceOutput } from "./mergeCandidates.ts";
import type { RemovedItem } from "./trace.ts";
import { ids } from "./testing/funnelFixtures.ts";

const found = (...itemIds: string[]) => itemIds.map((itemId, rank) => ({ itemId, score: 1 - rank / 10 }));

describe("mergeCandidates", () => {
  it("dedupes and keeps every source's id, rank and score, in source declaration order", () => {
    const { candidates, removed } = mergeCandidates(
      [
        { sourceId: "ann", quota: 10, candidates: found("a", "b", "c") },
        { sourceId: "trending", quota: 10, candidates: found("c", "a") },
      ],
      100,
    );
    expect(removed).toEqual([]);
    expect(ids(candidates)).toEqual(["a", "c", "b"]); // by best rank: a#0(ann), c#0(trending), b#1
    expect(candidates.find((candidate) => candidate.itemId === "a")!.sources).toEqual([
      { id: "ann", rank: 0, score: 1 },
      { id: "trending", rank: 1, score: 0.9 },
    ]);
  });

  it("enforces per-source quotas but keeps provenance of a source that found an admitted item past its quota", () => {
    const { candidates, removed } = mergeCandidates(
      [
        { sourceId: "ann", quota: 2, candidates: found("a", "b", "c", "d") },
        { sourceId: "fresh", quota: 1, candidates: found("e", "b") },
      ],
      100,
    );
    expect(ids(candidates).sort()).toEqual(["a", "b", "e"]);
    expect(candidates.find((candidate) => candidate.itemId === "b")!.sources.map((hit) => hit.id)).toEqual(["ann", "fresh"]);
    expect(removed.map((item) => item.itemId).sort()).toEqual(["c", "d"]);
    expect(removed.find((item) => item.itemId === "c")!.reason).toBe("over quota (ann#2)");
  });

  it("cuts to maxCandidates round-robin across sources, recording what was cut", () => {
    const { candidates, removed } = mergeCandidates(
      [
        { sourceId: "ann", quota: 10, candidates: found("a1", "a2", "a3") },
        { sourceId: "trending", quota: 10, candidates: found("t1", "t2", "t3") },
      ],
      4,
    );
    expect(ids(candidates)).toEqual(["a1", "t1", "a2", "t2"]);
    expect(removed).toEqual([
      { itemId: "a3", reason: "beyond maxCandidates 4" },
      { itemId: "t3", reason: "beyond maxCandidates 4" },
    ]);
  });

  it("counts a source listing an item twice once, at its best rank", () => {
    const { candidates } = mergeCandidates([{ sourceId: "ann", quota: 10, candidates: found("a", "a", "b") }], 10);
    expect(candidates.map((candidate) => candidate.sources)).toEqual([[{ id: "ann", rank: 0, score: 1 }], [{ id: "ann", rank: 2, score: 0.8 }]]);
  });
});

/** The merge written the plain way (an entry object per item, a comparator sort), to pin the fast one. */
function referenceMerge(outputs: readonly SourceOutput[], maxCandidates: number): { candidates: Candidate[]; removed: RemovedItem[] } {
  type Entry = { itemId: string; hits: SourceHit[]; bestRank: number; bestSource: number; lastSource: number; firstSeen: number; found: SourceCandidate[] };
  const entries = new Map<string, Entry>();
  outputs.forEach(({ sourceId, quota, candidates }, sourceIndex) => {
    candidates.forEach((found, rank) => {
      let entry = entries.get(found.itemId);
      if (entry?.lastSource === sourceIndex) return;
      if (!entry) {
        entry = { itemId: found.itemId, hits: [], bestRank: Infinity, bestSource: sourceIndex, lastSource: sourceIndex, firstSeen: entries.size, found: [] };
        entries.set(found.itemId, entry);
      }
      entry.lastSource = sourceIndex;
      entry.hits.push(found.score === undefined ? { id: sourceId, rank } : { id: sourceId, rank, score: found.score });
      entry.found.push(found);
      if (rank < quota && rank < entry.bestRank) {
        entry.bestRank = rank;
        entry.bestSource = sourceIndex;
      }
    });
  });
  const all = [...entries.values()];
  const removed: RemovedItem[] = all
    .filter((entry) => entry.bestRank === Infinity)
    .map((entry) => ({ itemId: entry.itemId, reason: `over quota (${entry.hits.map((hit) => `${hit.id}#${hit.rank}`).join(", ")})` }));
  const admitted = all
    .filter((entry) => entry.bestRank !== Infinity)
    .sort((a, b) => a.bestRank - b.bestRank || a.bestSource - b.bestSource || a.firstSeen - b.firstSeen);
  for (const entry of admitted.slice(maxCandidates)) removed.push({ itemId: entry.itemId, reason: `beyond maxCandidates ${maxCandidates}` });
  const candidates = admitted.slice(0, maxCandidates).map((entry) => {
    // The first sighting's slot hint that has both a slot and its generation.
    const hinted = entry.found.find((found) => found.itemSlot !== undefined && found.itemSlot >= 0 && found.itemSlotEpoch !== undefined);
    const candidate: Candidate = {
      itemId: entry.itemId,
      sources: entry.hits,
      features: {},
      requestFeatures: {},
      scores: {},
      score: 0,
      itemSlot: hinted?.itemSlot,
      itemSlotEpoch: hinted?.itemSlotEpoch,
    };
    const item = entry.found.find((found) => found.item)?.item;
    const embedding = entry.found.find((found) => found.embedding)?.embedding;
    if (item) candidate.item = item;
    if (embedding) candidate.embedding = embedding;
    return candidate;
  });
  return { candidates, removed };
}

describe("mergeCandidates against a plain reference", () => {
  it("property: same candidates (order, provenance, attributes, slot hints) and the same removals with the same reasons", () => {
    const found = fc.record(
      {
        itemId: fc.constantFrom(...Array.from({ length: 30 }, (_, i) => `i${i}`)),
        score: fc.double({ min: -1, max: 1, noNaN: true }),
        item: fc.constantFrom({ category: "a", creatorId: null, tags: [], publishedAtMs: 0, available: true }),
        embedding: fc.constant([1, 0]),
        itemSlot: fc.integer({ min: -1, max: 5 }),
        itemSlotEpoch: fc.constantFrom(0, 4),
      },
      { requiredKeys: ["itemId"] },
    );
    const output = fc.record({
      sourceId: fc.constantFrom("ann", "trending", "fresh", "follows"),
      quota: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constant(Infinity)),
      candidates: fc.array(found, { maxLength: 25, size: "max" }),
    });
    fc.assert(
      fc.property(fc.array(output, { maxLength: 6 }), fc.oneof(fc.integer({ min: -5, max: 40 }), fc.constant(Infinity)), (outputs, maxCandidates) => {
        expect(mergeCandidates(outputs, maxCandidates)).toStrictEqual(referenceMerge(outputs, maxCandidates));
      }),
      { seed: 5, numRuns: 500 },
    );
  });
});
