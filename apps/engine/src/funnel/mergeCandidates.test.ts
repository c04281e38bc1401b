import { describe, expect, it } from "vitest";
import { mergeCandidates } from "./mergeCandidates.ts";
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
