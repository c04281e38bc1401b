import { describe, expect, it } from "vitest";
import type { EvaluationReport } from "@cascade/core";
import { retrievalBelowPopularity } from "./promotionGate.ts";

const report = (twoTower: [number, number], popularity: [number, number]): EvaluationReport => ({
  title: "t",
  columns: ["users", "recall@10", "recall@100"],
  rows: [
    { name: "twoTower", values: [100, ...twoTower] },
    { name: "popularity", values: [100, ...popularity] },
  ],
});

describe("retrievalBelowPopularity", () => {
  it("blocks a two-tower that does not beat popularity at the deepest cut-off", () => {
    expect(retrievalBelowPopularity(report([0.2, 0.3], [0.1, 0.35]))).toMatch(/recall@100 0\.3000 .* popularity's 0\.3500/);
    expect(retrievalBelowPopularity(report([0.05, 0.3], [0.1, 0.3]))).toMatch(/does not beat/);
  });

  it("lets one that beats it through, and stays out of the way without the numbers", () => {
    expect(retrievalBelowPopularity(report([0.05, 0.4], [0.1, 0.35]))).toBeNull();
    expect(retrievalBelowPopularity({ title: "t", columns: ["users", "ndcg@10"], rows: [] })).toBeNull();
    expect(retrievalBelowPopularity({ ...report([0.1, 0.1], [0.2, 0.2]), rows: [{ name: "twoTower", values: [1, 0.1, 0.1] }] })).toBeNull();
  });
});
