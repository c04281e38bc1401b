// Every debiasing variant's exported ONNX file loads in onnxruntime-node, takes only the feature
// columns (never the position), and matches the TypeScript forward pass of the served model within
// 1e-5 on held-out rows.
import { createRequire } from "node:module";
import type { onnx as OnnxProto } from "onnx-proto";
import { describe, expect, it } from "vitest";
import { scoreBatch } from "../../ranking/multiTaskRanker.ts";
import { FEATURE_NAMES_METADATA_KEY } from "./onnxExport.ts";
import { loadOnnxRanker } from "../../ranking/onnxInference.ts";
import { modelInput } from "../../ranking/positionFeature.ts";
import { trainRankerFromTrainingSet } from "./rankerPipeline.ts";
import { rankingExamplesFromRecords } from "./rankingExamples.ts";
import { LOGGED_FEATURES, syntheticLoggedData } from "./syntheticLoggedData.ts";

const { onnx } = createRequire(import.meta.url)("onnx-proto") as { onnx: typeof OnnxProto };
const examples = rankingExamplesFromRecords(syntheticLoggedData({ requests: 400, seed: 9 }).records);

const VARIANTS = [
  { name: "none", ips: false, position: false },
  { name: "IPS", ips: true, position: false },
  { name: "position", ips: false, position: true },
  { name: "IPS + position", ips: true, position: true },
];

describe("ONNX export of every ranker variant", () => {
  it.each(VARIANTS)("$name: loads, takes the features only, and matches TypeScript within 1e-5", async (variant) => {
    const result = await trainRankerFromTrainingSet(examples, {
      hiddenSizes: [12, 6],
      epochs: 3,
      batchSize: 64,
      learningRate: 0.01,
      splitGapMs: 0,
      baseline: false,
      ipsWeighting: { enabled: variant.ips, clip: 10 },
      positionBias: { enabled: variant.position, referencePosition: 1 },
    });
    const decoded = onnx.ModelProto.decode(result.onnxBytes);
    const metadata = Object.fromEntries(decoded.metadataProps.map((entry) => [entry.key, entry.value]));
    expect(JSON.parse(metadata[FEATURE_NAMES_METADATA_KEY]!)).toEqual([...LOGGED_FEATURES]);
    expect(metadata["cascade.ranker.position_reference"]).toBe(variant.position ? "1" : "none");
    expect(metadata["cascade.ranker.ips"]).toBe(variant.ips ? "clip 10" : "off");

    const ranker = await loadOnnxRanker(result.onnxBytes, { featureCount: LOGGED_FEATURES.length });
    try {
      const rows = result.validation.rows;
      const features = modelInput(examples.features, LOGGED_FEATURES.length, rows);
      const fromOnnx = await ranker.score(features, rows.length);
      const fromTypeScript = scoreBatch(result.model, features, rows.length);
      for (const head of ["pClick", "pLike", "watchSeconds"] as const) {
        for (let i = 0; i < rows.length; i += 1) {
          const reference = fromTypeScript[head][i]!;
          expect(Math.abs(fromOnnx[head][i]! - reference) / Math.max(1, Math.abs(reference))).toBeLessThan(1e-5);
        }
      }
      // Real predictions, not constants that would match trivially.
      expect(Math.max(...fromOnnx.pClick) - Math.min(...fromOnnx.pClick)).toBeGreaterThan(0.1);
    } finally {
      await ranker.release();
    }
  });
});
