// Scheduled retraining end to end on the ratings world (two-tower, item-to-item, ranker): the first
// run promotes into empty slots;
// an unchanged re-run promotes nothing; a candidate that regresses on the same hold-out is kept as
// a candidate (the active version keeps serving) with the comparison stored and audited, while a
// generous margin lets it through.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getActiveModelVersions, type Database } from "@cascade/db";
import { passesGate } from "./promotionGate.ts";
import { retrainAndGate } from "./retrainSchedule.ts";
import { createRatingsDatabase, type ScratchRatingsDatabase } from "./testing/ratingsWorld.ts";
import { parseTrainConfig, type TrainConfigInput } from "./trainConfig.ts";

// These ratings have no impressions: the rankers learn from sampled negatives, which are only
// promoted when the config allows it (rankerExamples.promote; the last test checks the default).
const GOOD: TrainConfigInput = {
  seed: 5,
  rankerExamples: { promote: true },
  retrieval: { model: { dimensions: 8 }, training: { epochs: 4, batchSize: 32 }, evaluation: { ks: [10], maxUsers: 100 } },
  ann: { recallQueries: 10, efConstruction: 32 },
  ranker: { epochs: 3, hiddenSizes: [8], batchSize: 64 },
};
// Barely trained (and an item-to-item model keeping one neighbour per item): the gate must catch it.
const CRIPPLED: TrainConfigInput = {
  ...GOOD,
  seed: 6,
  retrieval: { ...GOOD.retrieval, training: { epochs: 1, batchSize: 32, learningRate: 1e-7 } },
  itemToItem: { method: "knn", neighbours: 1 },
  ranker: { epochs: 1, hiddenSizes: [8], batchSize: 64, learningRate: 1e-7 },
};

let scratch: ScratchRatingsDatabase;
let db: Database;
let dataDir: string;

beforeAll(async () => {
  scratch = await createRatingsDatabase("cascade_retrain");
  db = scratch.db;
  dataDir = mkdtempSync(join(tmpdir(), "cascade-retrain-"));
});

afterAll(async () => {
  await scratch?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const retrain = (config: TrainConfigInput, margin: number) => retrainAndGate(db, { config: parseTrainConfig(config), dataDir, policy: { margin } });

describe("retrainAndGate", () => {
  it("promotes into empty slots, then leaves an unchanged re-run alone", async () => {
    const first = await retrain(GOOD, 0.01);
    expect(first.decisions.map((d) => [d.slot, d.promoted])).toEqual([
      ["retrieval", true],
      ["itemToItem", true],
      ["ranker", true],
    ]);
    expect(first.decisions[0]!.reason).toMatch(/no active version/);
    expect(first.decisions[1]!.reason).toMatch(/the itemToItem slot had no active version/);
    const active = await getActiveModelVersions(db);
    expect(active.retrieval?.id).toBe(first.decisions[0]!.candidateId);
    expect(active.itemToItem?.id).toBe(first.decisions[1]!.candidateId);
    expect(active.ranker?.id).toBe(first.decisions[2]!.candidateId);

    const again = await retrain(GOOD, 0.01);
    expect(again.decisions.map((d) => [d.slot, d.promoted, d.candidateId])).toEqual([
      ["retrieval", false, first.decisions[0]!.candidateId],
      ["itemToItem", false, first.decisions[1]!.candidateId],
      ["ranker", false, first.decisions[2]!.candidateId],
    ]);
    expect(again.decisions[0]!.reason).toMatch(/unchanged/);
  });

  it("keeps a regressing candidate out, with the comparison stored and audited", async () => {
    const before = await getActiveModelVersions(db);
    const result = await retrain(CRIPPLED, 0);
    const [retrieval, itemToItem, ranker] = result.decisions;
    // A two-tower that does not even beat popularity on its hold-out is never promoted.
    expect(retrieval).toMatchObject({
      slot: "retrieval",
      promoted: false,
      metric: null,
      reason: expect.stringMatching(/kept as a candidate: recall@10 .* does not beat popularity/),
    });
    expect(itemToItem).toMatchObject({
      slot: "itemToItem",
      metric: "recall@10",
      promoted: false,
      reason: expect.stringMatching(/kept as a candidate: recall@10 .* regresses/),
    });
    expect(itemToItem!.candidate).toBeLessThan(itemToItem!.active!);
    expect(ranker!.metric).toBe("auc");
    expect(ranker!.candidate).toBeLessThan(ranker!.active!);
    expect(ranker!.promoted).toBe(passesGate({ candidate: ranker!.candidate!, active: ranker!.active! }, 0));
    expect(ranker!.reason).toMatch(/kept as a candidate.*regresses/);
    for (const decision of result.decisions) {
      expect(decision.promoted).toBe(false);
      const stored = await db.modelVersion.findUniqueOrThrow({ where: { id: decision.candidateId } });
      expect(stored.status).toBe("candidate");
      expect((stored.metrics as { gate: { promoted: boolean; active: number | null } }).gate).toMatchObject({ promoted: false, active: decision.active });
      expect(await db.auditLog.count({ where: { action: "model.gate", entityId: decision.candidateId } })).toBe(1);
    }
    const after = await getActiveModelVersions(db);
    expect(after.retrieval?.id).toBe(before.retrieval?.id);
    expect(after.itemToItem?.id).toBe(before.itemToItem?.id);
    expect(after.ranker?.id).toBe(before.ranker?.id);
  });

  it("lets a candidate through when the margin allows its regression", async () => {
    // A properly trained two-tower of another seed, item kNN instead of EASE, and the crippled ranker.
    const result = await retrain({ ...GOOD, seed: 8, itemToItem: { method: "knn" }, ranker: CRIPPLED.ranker }, 0.99);
    const active = await getActiveModelVersions(db);
    expect(result.decisions.map((decision) => decision.metric)).toEqual(["recall@10", "recall@10", "auc"]);
    for (const decision of result.decisions) {
      expect(decision.promoted).toBe(true);
      expect(decision.reason).toMatch(/within the 99\.0% margin/);
    }
    expect(active.retrieval?.id).toBe(result.decisions[0]!.candidateId);
    expect(active.itemToItem?.id).toBe(result.decisions[1]!.candidateId);
    expect(active.ranker?.id).toBe(result.decisions[2]!.candidateId);
  });
});

describe("retrainAndGate by default", () => {
  it("keeps a ranker trained on sampled negatives as a candidate, saying why", async () => {
    const before = await getActiveModelVersions(db);
    const result = await retrain({ ...GOOD, seed: 11, rankerExamples: {} }, 0.99);
    const ranker = result.decisions.find((decision) => decision.slot === "ranker")!;
    expect(ranker).toMatchObject({
      promoted: false,
      metric: null,
      reason: expect.stringMatching(/kept as a candidate: trained on sampled negatives .*MovieLens-100K/),
    });
    expect((await getActiveModelVersions(db)).ranker?.id).toBe(before.ranker?.id);
  });
});

describe("passesGate", () => {
  it("tolerates a relative regression up to the margin", () => {
    expect(passesGate({ candidate: 0.099, active: 0.1 }, 0.01)).toBe(true);
    expect(passesGate({ candidate: 0.0989, active: 0.1 }, 0.01)).toBe(false);
    expect(passesGate({ candidate: Number.NaN, active: 0.1 }, 0.5)).toBe(false);
    expect(passesGate({ candidate: 0.01, active: Number.NaN }, 0)).toBe(true);
  });
});
