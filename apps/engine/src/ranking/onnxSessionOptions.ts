// Session options for every ONNX ranker the engine runs. onnxruntime's defaults start a thread
// pool whose idle threads spin between runs: measured here, a 500 × 22 batch cost ~33 ms of CPU per
// run with the defaults against 0.49 ms single-threaded (the inference itself takes ~0.4 ms). Our
// rankers are small MLPs scored once per request, and requests already run concurrently, so
// intra-op parallelism only burns the cores the rest of the funnel needs.
import type { InferenceSession } from "onnxruntime-node";

export const RANKER_SESSION_OPTIONS: InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
};
