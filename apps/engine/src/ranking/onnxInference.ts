// Runs an exported ranker (onnxExport.ts) with onnxruntime-node: the whole candidate batch goes in
// as one [N, F] tensor and one `run` call returns all three heads, because per-candidate calls
// would pay the session's fixed overhead hundreds of times per request.
//
// Loading checks the contract the engine relies on — input `features` [N, F] float32 and the three
// named outputs — and refuses anything else with a message saying what is wrong, so a bad artifact
// fails at load time (and the previous model keeps serving) rather than on the first request.
import * as ort from "onnxruntime-node";
import { RANKER_OUTPUTS, type RankerScores } from "./multiTaskRanker.ts";
import { RANKER_SESSION_OPTIONS } from "./onnxSessionOptions.ts";

/** The name of the ranker's one input (a [candidates x features] float tensor); the exporter (training/ranker/onnxExport.ts) writes it. */
export const ONNX_INPUT_NAME = "features";

export type OnnxRanker = {
  /** Number of feature columns the model takes (F). */
  featureCount: number;
  /** Scores rows × F raw feature values (row-major) in one session run. May take `features` (the ranker thread transfers its buffer): do not read it after. */
  score(features: Float32Array, rows: number): Promise<RankerScores>;
  release(): Promise<void>;
};

export async function loadOnnxRanker(bytes: Uint8Array, options: { featureCount?: number } = {}): Promise<OnnxRanker> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, RANKER_SESSION_OPTIONS);
  } catch (error) {
    throw new Error(`ranker model does not load: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    const featureCount = checkContract(session, options.featureCount);
    return {
      featureCount,
      async score(features, rows) {
        if (features.length !== rows * featureCount) {
          throw new Error(`expected ${rows} × ${featureCount} = ${rows * featureCount} feature values, got ${features.length}`);
        }
        const input = new ort.Tensor("float32", features, [rows, featureCount]);
        const results = await session.run({ [ONNX_INPUT_NAME]: input });
        const column = (name: string) => {
          const data = results[name]!.data;
          if (!(data instanceof Float32Array) || data.length !== rows) throw new Error(`output ${name} is not ${rows} float32 values`);
          return data;
        };
        const [click, like, watch] = RANKER_OUTPUTS;
        return { pClick: column(click), pLike: column(like), watchSeconds: column(watch) };
      },
      release: () => session.release(),
    };
  } catch (error) {
    await session.release();
    throw error;
  }
}

/** Returns F after checking the session's input and outputs; throws a readable error otherwise. */
function checkContract(session: ort.InferenceSession, expectedFeatureCount: number | undefined): number {
  const input = session.inputMetadata.find((metadata) => metadata.name === ONNX_INPUT_NAME);
  if (!input || session.inputNames.length !== 1) {
    throw new Error(`ranker model must have exactly one input named "${ONNX_INPUT_NAME}", has [${session.inputNames.join(", ")}]`);
  }
  if (!input.isTensor || input.type !== "float32" || input.shape.length !== 2 || typeof input.shape[1] !== "number") {
    throw new Error(`ranker input "${ONNX_INPUT_NAME}" must be a float32 tensor [N, F] with a fixed F`);
  }
  const featureCount = input.shape[1];
  if (expectedFeatureCount !== undefined && featureCount !== expectedFeatureCount) {
    throw new Error(`ranker model takes ${featureCount} features, expected ${expectedFeatureCount}`);
  }
  const missing = RANKER_OUTPUTS.filter((name) => !session.outputNames.includes(name));
  if (missing.length > 0) throw new Error(`ranker model lacks outputs [${missing.join(", ")}]`);
  return featureCount;
}
