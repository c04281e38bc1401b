import { describe, expect, it } from "vitest";
import { ExternalRankerError, loadExternalRanker, validateExternalRanker } from "./externalRanker.ts";
import { FIXTURE_FEATURES, matmulOnnx, rankerOnnx } from "./testing/modelFixtures.ts";

const good = { features: [...FIXTURE_FEATURES], outputs: ["p_click", "p_like"] };

async function refusal(promise: Promise<unknown>): Promise<ExternalRankerError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ExternalRankerError);
  return error as ExternalRankerError;
}

describe("validateExternalRanker", () => {
  it("accepts a ranker exported to ONNX with registry features and existing outputs", async () => {
    const report = await validateExternalRanker(rankerOnnx(), good);
    expect(report.inputName).toBe("features");
    expect(report.featureCount).toBe(FIXTURE_FEATURES.length);
    expect(report.outputs.map((output) => output.name)).toEqual(["p_click", "p_like"]);
    // sigmoid heads: probabilities
    expect(report.dryRunSample.p_click).toBeGreaterThan(0);
    expect(report.dryRunSample.p_click).toBeLessThan(1);
  });

  it("accepts the documented serving inputs position and retrieval_score", async () => {
    const features = ["item_ctr_3d", "position", "retrieval_score"];
    await expect(validateExternalRanker(rankerOnnx(features), { features, outputs: ["watch_seconds"] })).resolves.toMatchObject({ featureCount: 3 });
  });

  it("refuses garbage bytes and an empty file, naming the onnx field", async () => {
    const garbage = await refusal(validateExternalRanker(new TextEncoder().encode("definitely not a protobuf model"), good));
    expect(garbage.field).toBe("onnx");
    expect(garbage.message).toMatch(/not a loadable ONNX model/);
    const empty = await refusal(validateExternalRanker(new Uint8Array(0), good));
    expect(empty.message).toMatch(/empty/);
  });

  it("refuses a feature count that does not match the input shape", async () => {
    const error = await refusal(validateExternalRanker(rankerOnnx(), { features: FIXTURE_FEATURES.slice(0, 2), outputs: ["p_click"] }));
    expect(error.field).toBe("features");
    expect(error.message).toMatch(/2 declared, but the model's input "features" takes 4 columns/);
  });

  it("refuses a feature the registry does not know, naming it", async () => {
    const features = ["item_ctr_3d", "user_shoe_size", "context_hour_of_day", "item_popularity_3d"];
    const error = await refusal(validateExternalRanker(rankerOnnx(features), { features, outputs: ["p_click"] }));
    expect(error.problem).toBe("unknown_feature");
    expect(error.message).toMatch(/"user_shoe_size"/);
    expect(error.message).not.toMatch(/"item_ctr_3d"/);
  });

  it("refuses an output the model does not have, listing the ones it has", async () => {
    const error = await refusal(validateExternalRanker(rankerOnnx(), { features: good.features, outputs: ["p_click", "p_share"] }));
    expect(error.field).toBe("outputs");
    expect(error.message).toMatch(/no output "p_share".*"p_click", "p_like", "watch_seconds"/);
  });

  it("refuses an output with several values per row", async () => {
    const bytes = matmulOnnx({ batch: "N", inputs: 2, outputs: 3, outputName: "scores" });
    const error = await refusal(validateExternalRanker(bytes, { features: ["item_ctr_3d", "item_popularity_3d"], outputs: ["scores"] }));
    expect(error.problem).toBe("bad_output");
    expect(error.message).toMatch(/one value per row.*\[N, 3\]/);
  });

  it("accepts a hand-made graph with an [N, 1] output, and refuses it with a fixed batch size", async () => {
    const spec = { features: ["item_ctr_3d", "item_popularity_3d"], outputs: ["p_click"] };
    await expect(validateExternalRanker(matmulOnnx({ batch: "N", inputs: 2, outputs: 1, outputName: "p_click" }), spec)).resolves.toMatchObject({
      dryRunSample: { p_click: 0 },
    });
    const error = await refusal(validateExternalRanker(matmulOnnx({ batch: 8, inputs: 2, outputs: 1, outputName: "p_click" }), spec));
    expect(error.problem).toBe("bad_input");
    expect(error.message).toMatch(/fixed batch size 8/);
  });

  it("refuses duplicate or empty declarations", async () => {
    expect((await refusal(validateExternalRanker(rankerOnnx(), { features: ["item_ctr_3d", "item_ctr_3d"], outputs: ["p_click"] }))).message).toMatch(
      /declared twice/,
    );
    expect((await refusal(validateExternalRanker(rankerOnnx(), { features: good.features, outputs: [] }))).field).toBe("outputs");
  });
});

describe("loadExternalRanker", () => {
  it("scores a batch in one call, one value per row per declared output", async () => {
    const ranker = await loadExternalRanker(rankerOnnx(), good);
    try {
      const rows = 5;
      const features = new Float32Array(rows * FIXTURE_FEATURES.length).map((_, index) => (index % 7) / 7);
      const scores = await ranker.score(features, rows);
      expect(Object.keys(scores)).toEqual(["p_click", "p_like"]);
      expect(scores.p_click!.length).toBe(rows);
      expect(new Set(scores.p_click).size).toBeGreaterThan(1);
      await expect(ranker.score(new Float32Array(3), 1)).rejects.toThrow(/expected 1 × 4/);
    } finally {
      await ranker.release();
    }
  });
});
