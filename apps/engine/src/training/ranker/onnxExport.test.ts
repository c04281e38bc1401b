import { createRequire } from "node:module";
import type { onnx as OnnxProto } from "onnx-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scoreBatch, type RankerScores } from "../../ranking/multiTaskRanker.ts";
import { exportRankerToOnnx, FEATURE_NAMES_METADATA_KEY, ONNX_IR_VERSION, ONNX_OPSET } from "./onnxExport.ts";
import { loadOnnxRanker, type OnnxRanker } from "../../ranking/onnxInference.ts";
import { trainMultiTaskRanker } from "./rankerTraining.ts";
import { SYNTHETIC_FEATURES, syntheticRankingData } from "./syntheticRankingData.ts";

const { onnx } = createRequire(import.meta.url)("onnx-proto") as { onnx: typeof OnnxProto };

const { model } = trainMultiTaskRanker(syntheticRankingData(2000, 11), {
  featureNames: SYNTHETIC_FEATURES,
  hiddenSizes: [16, 8],
  seed: 3,
  epochs: 6,
  batchSize: 64,
  learningRate: 0.01,
});
const heldOut = syntheticRankingData(700, 12);
const bytes = exportRankerToOnnx(model, { modelName: "ranker-test" });

/** Largest |a − b| / max(1, |b|): absolute for probabilities, relative for watch seconds (~30 s). */
function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let index = 0; index < a.length; index += 1) {
    worst = Math.max(worst, Math.abs(a[index]! - b[index]!) / Math.max(1, Math.abs(b[index]!)));
  }
  return worst;
}

describe("ONNX export of the multi-task ranker", () => {
  let ranker: OnnxRanker;
  beforeAll(async () => {
    ranker = await loadOnnxRanker(bytes, { featureCount: SYNTHETIC_FEATURES.length });
  });
  afterAll(async () => {
    await ranker.release();
  });

  it("writes a standard model: IR 8, opset 17, standard ops, feature names in metadata", () => {
    const decoded = onnx.ModelProto.decode(bytes);
    expect(Number(decoded.irVersion)).toBe(ONNX_IR_VERSION);
    expect(decoded.opsetImport.map((opset) => [opset.domain, Number(opset.version)])).toEqual([["", ONNX_OPSET]]);
    const ops = new Set(decoded.graph!.node!.map((node) => node.opType));
    expect([...ops].sort()).toEqual(["Add", "MatMul", "Mul", "Relu", "Sigmoid", "Softplus", "Sub"]);
    const metadata = decoded.metadataProps.find((entry) => entry.key === FEATURE_NAMES_METADATA_KEY);
    expect(JSON.parse(metadata!.value!)).toEqual([...SYNTHETIC_FEATURES]);
    expect(decoded.graph!.input!.map((input) => input.name)).toEqual(["features"]);
    expect(decoded.graph!.output!.map((output) => output.name)).toEqual(["p_click", "p_like", "watch_seconds"]);
  });

  it("loads in onnxruntime-node and matches the TypeScript forward pass within 1e-5 on held-out rows", async () => {
    expect(ranker.featureCount).toBe(SYNTHETIC_FEATURES.length);
    const fromOnnx: RankerScores = await ranker.score(heldOut.features, heldOut.rows);
    const fromTypeScript = scoreBatch(model, heldOut.features, heldOut.rows);
    expect(maxDifference(fromOnnx.pClick, fromTypeScript.pClick)).toBeLessThan(1e-5);
    expect(maxDifference(fromOnnx.pLike, fromTypeScript.pLike)).toBeLessThan(1e-5);
    expect(maxDifference(fromOnnx.watchSeconds, fromTypeScript.watchSeconds)).toBeLessThan(1e-5);
    // Outputs are real predictions, not constants that would match trivially.
    expect(Math.max(...fromOnnx.pClick) - Math.min(...fromOnnx.pClick)).toBeGreaterThan(0.5);
  });

  it("scores any batch size, including one row and none", async () => {
    const one = await ranker.score(heldOut.features.subarray(0, SYNTHETIC_FEATURES.length), 1);
    expect(one.pClick).toHaveLength(1);
    expect(one.pClick[0]).toBeCloseTo(scoreBatch(model, heldOut.features.subarray(0, SYNTHETIC_FEATURES.length), 1).pClick[0]!, 5);
    const none = await ranker.score(new Float32Array(0), 0);
    expect(none.watchSeconds).toHaveLength(0);
  });

  it("is deterministic: the same model exports the same bytes", () => {
    expect(exportRankerToOnnx(model, { modelName: "ranker-test" })).toEqual(bytes);
  });

  it("refuses bad bytes, a wrong feature count and a wrong batch with clear messages", async () => {
    await expect(loadOnnxRanker(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(/ranker model does not load/);
    await expect(loadOnnxRanker(bytes, { featureCount: 9 })).rejects.toThrow(/takes 5 features, expected 9/);
    await expect(ranker.score(new Float32Array(7), 2)).rejects.toThrow(/expected 2 × 5 = 10 feature values/);
  });
});
