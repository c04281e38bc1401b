import { describe, expect, it } from "vitest";
import { fitCoOccurrence } from "./coOccurrenceRecommender.ts";
import { evaluateRecommenders, evaluateScorers } from "./evaluationReport.ts";
import { createInteractionLog } from "./interactionLog.ts";
import { fitPopularity } from "./popularityRecommender.ts";
import { formatReportTable } from "./reportTable.ts";

const pairs: [number, number][] = [
  [0, 0],
  [0, 1],
  [0, 2],
  [1, 0],
  [1, 1],
  [2, 0],
  [2, 3],
  [3, 1],
  [4, 4],
  [5, 4],
  [6, 4],
  [7, 4],
];
const counts = { numUsers: 8, numItems: 5 };
const train = createInteractionLog({ users: pairs.map(([u]) => u), items: pairs.map(([, i]) => i), timestamps: pairs.map((_, t) => t) }, counts);
// Held out: u3 goes on to item 0; u1 re-consumes item 1 (already in train, so it is not relevant).
const test = createInteractionLog({ users: [3, 1], items: [0, 1], timestamps: [20, 21] }, counts);

describe("evaluateRecommenders with masked (validation) items", () => {
  // Popularity order 4 (4 users), 0, 1 (3 each), 2, 3 (1 each). u1 trained on 0 and 1; its
  // validation item 4 is the most popular, its test items are 2 and 3.
  const validation = createInteractionLog({ users: [1], items: [4], timestamps: [30] }, counts);
  const heldOut = createInteractionLog({ users: [1, 1], items: [2, 3], timestamps: [31, 32] }, counts);
  const run = (masked?: typeof validation) =>
    evaluateRecommenders({ train, test: heldOut, ks: [1, 2], recommenders: [{ name: "popularity", fit: fitPopularity }], ...(masked ? { masked } : {}) })
      .metrics[0]!.metrics;

  it("without masking, the validation item takes the first slot", () => {
    const m = run();
    expect(m.atK.map((a) => a.recall)).toEqual([0, 0.5]);
    expect(m.mrr).toBe(0.5);
  });
  it("masking removes it from the ranking, so the test items move up (recall = hits / |test|)", () => {
    const m = run(validation);
    expect(m.users).toBe(1);
    expect(m.mrr).toBe(1);
    expect(m.atK.map((a) => a.recall)).toEqual([0.5, 1]);
    expect(m.atK.map((a) => a.hitRate)).toEqual([1, 1]);
    expect(m.atK[1]!.ndcg).toBeCloseTo(1, 12); // both test items in the top 2: ideal order
    expect(m.atK[0]!.ndcg).toBeCloseTo(1, 12); // ideal DCG over min(|test|, k) = 1 hit
  });
  it("drops a test item that is also masked from the relevant set", () => {
    const m = run(createInteractionLog({ users: [1], items: [2], timestamps: [30] }, counts));
    // Only item 3 stays relevant; the list after masking 2 is [4, 3].
    expect(m.atK.map((a) => a.recall)).toEqual([0, 1]);
  });
  it("rejects a masked log of another id space", () => {
    expect(() => run(createInteractionLog({ users: [1], items: [2], timestamps: [0] }, { numUsers: 8, numItems: 9 }))).toThrow(/share user and item id spaces/);
  });
});

describe("evaluateRecommenders", () => {
  const { report, metrics } = evaluateRecommenders({
    train,
    test,
    ks: [1, 2],
    recommenders: [
      { name: "popularity", fit: fitPopularity },
      { name: "co-occurrence", fit: (t) => fitCoOccurrence(t) },
    ],
  });
  it("scores every recommender on the same users and relevant items", () => {
    // Only u3 has a held-out item not seen in train. Popularity says [4, 0]; co-occurrence [0, 2].
    const [pop, cooc] = metrics;
    expect(pop!.metrics.users).toBe(1);
    expect(pop!.metrics.mrr).toBe(0.5);
    expect(pop!.metrics.atK.map((m) => m.recall)).toEqual([0, 1]);
    expect(cooc!.metrics.mrr).toBe(1);
    expect(cooc!.metrics.atK.map((m) => m.hitRate)).toEqual([1, 1]);
    expect(cooc!.metrics.atK[1]!.coverage).toBeCloseTo(2 / 5, 12);
  });
  it("produces aligned table rows and a readable plain-text table", () => {
    expect(report.columns.slice(0, 4)).toEqual(["users", "mrr", "recall@1", "precision@1"]);
    for (const row of report.rows) expect(row.values).toHaveLength(report.columns.length);
    const table = formatReportTable(report).split("\n");
    expect(table[0]).toBe("retrieval");
    expect(table[1]).toMatch(/^model\s+users\s+mrr\s+recall@1/);
    expect(table[3]).toMatch(/^popularity\s+1\s+0\.5000\s+0\s/);
    expect(table[4]).toMatch(/^co-occurrence\s+1\s+1\s+1\s/);
    const widths = table.slice(1).map((l) => l.length);
    expect(new Set(widths).size).toBe(1);
  });
});

describe("evaluateScorers", () => {
  it("reports AUC, log loss, ECE and grouped NDCG per model", () => {
    const labels = [0, 0, 1, 1, 1];
    const { report, calibration } = evaluateScorers({
      labels,
      groups: [0, 0, 0, 1, 1],
      models: [{ name: "ranker", predictions: [0.1, 0.4, 0.35, 0.8, 0.4] }],
    });
    expect(report.columns).toEqual(["rows", "auc", "logLoss", "ece", "ndcg@10"]);
    const [rows, aucValue, , , ndcg] = report.rows[0]!.values;
    expect(rows).toBe(5);
    expect(aucValue).toBeCloseTo(0.75, 12);
    // Group 0 ranks its positive second; group 1 has only positives.
    expect(ndcg).toBeCloseTo((1 / Math.log2(3) + 1) / 2, 12);
    expect(calibration[0]!.calibration.bins).toHaveLength(10);
    expect(formatReportTable(report)).toContain("0.7500");
  });
});
