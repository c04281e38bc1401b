// External ONNX rankers: models trained elsewhere that the engine can serve in the ranker slot.
// The contract, checked at registration and again at every load:
// - exactly one input: a float32 tensor [N, F] with a dynamic batch dimension N and F = the number
//   of declared features, fed raw feature values in the declared order;
// - every declared output exists, is float32 and has one value per row ([N] or [N, 1]);
// - every declared feature is one the engine can supply at serving time: a feature of the registry
//   (features/registry.ts) or one of SERVING_INPUTS below;
// - a dry batch runs and returns finite values of the right length.
// Anything else is refused with an ExternalRankerError naming the problem.
import * as ort from "onnxruntime-node";
import { featureRegistry, type FeatureRegistry } from "../features/registry.ts";
import type { ServingRanker } from "../ranking/servingRanker.ts";
import { RANKER_SESSION_OPTIONS } from "../ranking/onnxSessionOptions.ts";

/** Ranker inputs that are not registry features but that the serving funnel supplies per candidate. */
export const SERVING_INPUTS: Readonly<Record<string, string>> = {
  position: "slot position of the candidate in the served list (0-based); set to a reference value at serving when trained for position-bias correction",
  retrieval_score: "the candidate's retrieval score (two-tower dot product; 0 when the candidate came from another source)",
};

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/;
const DRY_BATCH_ROWS = 3;

export type ExternalRankerSpec = { features: readonly string[]; outputs: readonly string[] };

export type ExternalRankerProblem = "bad_declaration" | "does_not_load" | "bad_input" | "missing_output" | "bad_output" | "unknown_feature" | "dry_run_failed";

export class ExternalRankerError extends Error {
  constructor(
    readonly problem: ExternalRankerProblem,
    /** which part of the registration is at fault: "features", "outputs" or "onnx" */
    readonly field: "features" | "outputs" | "onnx",
    message: string,
  ) {
    super(message);
    this.name = "ExternalRankerError";
  }
}

export type ExternalRankerReport = {
  inputName: string;
  featureCount: number;
  outputs: Array<{ name: string; shape: ReadonlyArray<number | string> }>;
  /** values of each output for the all-zero dry batch row 0, for display */
  dryRunSample: Record<string, number>;
};

export type ValidateOptions = { registry?: FeatureRegistry };

/** Checks the declaration against the registry, loads the model and runs a dry batch. */
export async function validateExternalRanker(onnxBytes: Uint8Array, spec: ExternalRankerSpec, options: ValidateOptions = {}): Promise<ExternalRankerReport> {
  checkDeclaration(spec, options.registry ?? featureRegistry);
  const session = await createSession(onnxBytes);
  try {
    return await inspectSession(session, spec);
  } finally {
    await session.release();
  }
}

/** Loads an external ranker for serving (after the same checks as validateExternalRanker). */
export async function loadExternalRanker(onnxBytes: Uint8Array, spec: ExternalRankerSpec, options: ValidateOptions = {}): Promise<ServingRanker> {
  checkDeclaration(spec, options.registry ?? featureRegistry);
  const session = await createSession(onnxBytes);
  try {
    const report = await inspectSession(session, spec);
    return sessionRanker(session, report.inputName, spec);
  } catch (error) {
    await session.release();
    throw error;
  }
}

function checkDeclaration(spec: ExternalRankerSpec, registry: FeatureRegistry): void {
  if (spec.features.length === 0) throw new ExternalRankerError("bad_declaration", "features", "features: declare at least one input feature");
  if (spec.outputs.length === 0) throw new ExternalRankerError("bad_declaration", "outputs", "outputs: declare at least one output");
  for (const [field, names] of [
    ["features", spec.features],
    ["outputs", spec.outputs],
  ] as const) {
    const bad = names.find((name) => !NAME.test(name));
    if (bad !== undefined) throw new ExternalRankerError("bad_declaration", field, `${field}: "${bad}" is not a valid name`);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate !== undefined) throw new ExternalRankerError("bad_declaration", field, `${field}: "${duplicate}" is declared twice`);
  }
  const unknown = unservableFeatures(spec.features, registry);
  if (unknown.length > 0) {
    throw new ExternalRankerError(
      "unknown_feature",
      "features",
      `features: unknown feature${unknown.length > 1 ? "s" : ""} ${unknown.map((name) => `"${name}"`).join(", ")}; ` +
        `use names from the feature registry (\`GET /v1/admin/models\` lists them) or ${Object.keys(SERVING_INPUTS).join(", ")}`,
    );
  }
}

/** Declared features the engine cannot supply at serving time (neither registry features nor SERVING_INPUTS). */
export function unservableFeatures(features: readonly string[], registry: FeatureRegistry = featureRegistry): string[] {
  return features.filter((name) => !registry.get(name) && !Object.hasOwn(SERVING_INPUTS, name));
}

async function createSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  if (bytes.byteLength === 0) throw new ExternalRankerError("does_not_load", "onnx", "onnx: the file is empty");
  try {
    return await ort.InferenceSession.create(bytes, RANKER_SESSION_OPTIONS);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ExternalRankerError("does_not_load", "onnx", `onnx: the file is not a loadable ONNX model (${reason})`);
  }
}

const isDynamic = (dim: number | string | undefined) => typeof dim === "string" || (typeof dim === "number" && dim < 0);

async function inspectSession(session: ort.InferenceSession, spec: ExternalRankerSpec): Promise<ExternalRankerReport> {
  if (session.inputMetadata.length !== 1) {
    throw new ExternalRankerError(
      "bad_input",
      "onnx",
      `onnx: the model must have exactly one input (a float32 [N, ${spec.features.length}] tensor), it has ${session.inputMetadata.length}: [${session.inputNames.join(", ")}]`,
    );
  }
  const input = session.inputMetadata[0]!;
  const want = `float32 [N, ${spec.features.length}]`;
  if (!input.isTensor || input.type !== "float32") {
    throw new ExternalRankerError(
      "bad_input",
      "onnx",
      `onnx: input "${input.name}" must be a ${want} tensor, it is ${input.isTensor ? input.type : "not a tensor"}`,
    );
  }
  const shape = input.shape;
  if (shape.length !== 2)
    throw new ExternalRankerError(
      "bad_input",
      "onnx",
      `onnx: input "${input.name}" must have shape [N, ${spec.features.length}], it has [${shape.join(", ")}]`,
    );
  if (!isDynamic(shape[0])) {
    throw new ExternalRankerError(
      "bad_input",
      "onnx",
      `onnx: input "${input.name}" has a fixed batch size ${shape[0]}; export it with a dynamic first dimension so a whole candidate batch fits in one call`,
    );
  }
  if (shape[1] !== spec.features.length) {
    throw new ExternalRankerError(
      "bad_input",
      "features",
      `features: ${spec.features.length} declared, but the model's input "${input.name}" takes ${isDynamic(shape[1]) ? "a dynamic number of" : shape[1]} columns ([${shape.join(", ")}])`,
    );
  }
  const outputs: ExternalRankerReport["outputs"] = [];
  for (const name of spec.outputs) {
    const metadata = session.outputMetadata.find((output) => output.name === name);
    if (!metadata)
      throw new ExternalRankerError(
        "missing_output",
        "outputs",
        `outputs: the model has no output "${name}" (it has ${session.outputNames.map((n) => `"${n}"`).join(", ")})`,
      );
    if (!metadata.isTensor || metadata.type !== "float32") {
      throw new ExternalRankerError(
        "bad_output",
        "outputs",
        `outputs: "${name}" must be a float32 tensor, it is ${metadata.isTensor ? metadata.type : "not a tensor"}`,
      );
    }
    const perRow =
      metadata.shape.length === 0 || metadata.shape.length === 1 || (metadata.shape.length === 2 && (metadata.shape[1] === 1 || isDynamic(metadata.shape[1])));
    if (!perRow)
      throw new ExternalRankerError(
        "bad_output",
        "outputs",
        `outputs: "${name}" must have one value per row ([N] or [N, 1]), it has shape [${metadata.shape.join(", ")}]`,
      );
    outputs.push({ name, shape: metadata.shape });
  }
  const dryRunSample = await dryRun(session, input.name, spec);
  return { inputName: input.name, featureCount: spec.features.length, outputs, dryRunSample };
}

async function dryRun(session: ort.InferenceSession, inputName: string, spec: ExternalRankerSpec): Promise<Record<string, number>> {
  let results: Record<string, Float32Array>;
  try {
    results = await runSession(session, inputName, spec, new Float32Array(DRY_BATCH_ROWS * spec.features.length), DRY_BATCH_ROWS);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ExternalRankerError("dry_run_failed", "onnx", `onnx: a dry batch of ${DRY_BATCH_ROWS} rows failed: ${reason}`);
  }
  const sample: Record<string, number> = {};
  for (const name of spec.outputs) {
    const values = results[name]!;
    const bad = values.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0)
      throw new ExternalRankerError("dry_run_failed", "outputs", `outputs: "${name}" returned a non-finite value (${values[bad]}) for an all-zero row`);
    sample[name] = values[0]!;
  }
  return sample;
}

async function runSession(
  session: ort.InferenceSession,
  inputName: string,
  spec: ExternalRankerSpec,
  features: Float32Array,
  rows: number,
): Promise<Record<string, Float32Array>> {
  const columns = spec.features.length;
  if (features.length !== rows * columns) throw new Error(`expected ${rows} × ${columns} = ${rows * columns} feature values, got ${features.length}`);
  const results = await session.run({ [inputName]: new ort.Tensor("float32", features, [rows, columns]) }, [...spec.outputs]);
  const out: Record<string, Float32Array> = {};
  for (const name of spec.outputs) {
    const data = results[name]?.data;
    if (!(data instanceof Float32Array) || data.length !== rows) throw new Error(`output "${name}" gave ${data?.length ?? 0} values for ${rows} rows`);
    out[name] = data;
  }
  return out;
}

function sessionRanker(session: ort.InferenceSession, inputName: string, spec: ExternalRankerSpec): ServingRanker {
  return {
    featureNames: [...spec.features],
    outputs: [...spec.outputs],
    score: (features, rows) => runSession(session, inputName, spec, features, rows),
    release: () => session.release(),
  };
}
