// The face every loaded ranker presents to the funnel, whether trained here or registered as an
// external ONNX model (models/ loads both): raw feature rows in their declared column order in, one
// Float32Array per declared output out.
export type ServingRanker = {
  /** Input columns, in order (each row holds these values). */
  readonly featureNames: readonly string[];
  /** Output names; each output has one value per row. */
  readonly outputs: readonly string[];
  /** Scores `rows` × featureNames.length raw values (row-major) in one session run. May take `features` (a ranker in the ranker thread transfers its buffer): do not read it after. */
  score(features: Float32Array, rows: number): Promise<Record<string, Float32Array>>;
  release(): Promise<void>;
};
