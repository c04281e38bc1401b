import { describe, expect, it } from "vitest";
import type { EvaluationReport } from "@cascade/core";
import { twoTowerMetricsJson } from "./trainReport.ts";

describe("twoTowerMetricsJson", () => {
  const report: EvaluationReport = {
    title: "t",
    columns: ["users", "recall@10", "ndcg@10"],
    rows: [
      { name: "twoTower", values: [10, 0.5, Number.NaN] },
      { name: "popularity", values: [10, 0.2, 0.1] },
      { name: "coOccurrence", values: [10, 0.3, 0.2] },
    ],
  };

  it("puts the model's row at the top level and every other row under baselines, by the same paths", () => {
    const json = twoTowerMetricsJson(report, { items: 5, dimensions: 3, k: 5, queries: 2, recall: 1, exactMsPerQuery: 2, annMsPerQuery: 1, buildSeconds: 0 });
    expect(json.retrieval).toEqual({ users: 10, "recall@10": 0.5 });
    expect(json.ann).toEqual({ "recall@5": 1, exactMsPerQuery: 2, annMsPerQuery: 1 });
    expect(json.baselines).toEqual({
      popularity: { retrieval: { users: 10, "recall@10": 0.2, "ndcg@10": 0.1 } },
      coOccurrence: { retrieval: { users: 10, "recall@10": 0.3, "ndcg@10": 0.2 } },
    });
  });

  it("drops non-finite values instead of storing them (JSON has no NaN)", () => {
    expect(JSON.stringify(twoTowerMetricsJson(report, null))).not.toContain("null");
  });
});
