// Writes a trained multi-task ranker as a standard ONNX model, so the engine (and anything else that
// speaks ONNX) runs it without our TypeScript: one input `features` [N, F] float32 of raw feature
// values, outputs `p_click`, `p_like`, `watch_seconds`, each [N, 1] float32.
//
// The graph mirrors scoreBatch (multiTaskRanker.ts) node for node, which is what lets the ONNX
// Runtime result match the TypeScript forward pass to float32 rounding:
//   Sub(mean) → Mul(1/std) → [MatMul → Add → Relu]×hidden → per head MatMul → Add →
//   Sigmoid (click, like) | Softplus → Mul(watchScale) (watch)
// Standardisation stays as two explicit nodes instead of being folded into the first layer's
// weights: folding changes the float32 arithmetic (and loses precision for features with large
// means), and the two elementwise nodes cost nothing next to the MatMuls.
//
// Only standard ai.onnx ops at opset 17, IR version 8 (what onnxruntime-node 1.x loads). Float
// tensors go in `rawData` as little-endian float32 bytes. The feature names are recorded in the
// model's metadata so a loader can check that it is fed the columns it was trained on.
import { createRequire } from "node:module";
import type { onnx as OnnxProto } from "onnx-proto";
import { ONNX_INPUT_NAME } from "../../ranking/onnxInference.ts";
import { HEAD_CLICK, HEAD_COUNT, HEAD_LIKE, HEAD_WATCH, RANKER_OUTPUTS, type MultiTaskRanker } from "../../ranking/multiTaskRanker.ts";

// onnx-proto is CommonJS (`module.exports = $root`), which Node's ESM loader cannot split into named
// exports; load it through require and keep its types from the declaration file.
const { onnx } = createRequire(import.meta.url)("onnx-proto") as { onnx: typeof OnnxProto };

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;
/** Metadata key holding the JSON array of input feature names. */
export const FEATURE_NAMES_METADATA_KEY = "cascade.feature_names";

export type OnnxExportOptions = {
  /** Free text stored as the graph's name and the model's doc string, e.g. a model version id. */
  modelName?: string;
  /** Extra metadata entries (e.g. how the model was trained), written after the feature names. */
  metadata?: Readonly<Record<string, string>>;
};

/** Serialises the model to ONNX protobuf bytes. */
export function exportRankerToOnnx(model: MultiTaskRanker, options: OnnxExportOptions = {}): Uint8Array {
  const featureCount = model.featureNames.length;
  const initializers: OnnxProto.ITensorProto[] = [];
  const nodes: OnnxProto.INodeProto[] = [];
  const node = (opType: string, inputs: string[], output: string) => {
    nodes.push({ opType, input: inputs, output: [output], name: `${output}_${opType.toLowerCase()}` });
    return output;
  };
  const constant = (name: string, dims: number[], values: Float32Array) => {
    initializers.push(floatTensor(name, dims, values));
    return name;
  };

  const centred = node("Sub", [ONNX_INPUT_NAME, constant("feature_mean", [featureCount], model.featureMean)], "centred");
  let current = node("Mul", [centred, constant("feature_inv_std", [featureCount], model.featureInvStd)], "standardised");
  model.hidden.forEach((layer, index) => {
    const weight = constant(`hidden${index}_weight`, [layer.inputSize, layer.outputSize], layer.weights);
    const bias = constant(`hidden${index}_bias`, [layer.outputSize], layer.bias);
    const product = node("MatMul", [current, weight], `hidden${index}_matmul`);
    const sum = node("Add", [product, bias], `hidden${index}_preact`);
    current = node("Relu", [sum], `hidden${index}`);
  });

  const headLogit = (head: number, name: string) => {
    const weight = constant(`${name}_weight`, [model.head.inputSize, 1], headColumn(model, head));
    const bias = constant(`${name}_bias`, [1], new Float32Array([model.head.bias[head]!]));
    const product = node("MatMul", [current, weight], `${name}_matmul`);
    return node("Add", [product, bias], `${name}_logit`);
  };
  const [clickName, likeName, watchName] = RANKER_OUTPUTS;
  node("Sigmoid", [headLogit(HEAD_CLICK, "click")], clickName);
  node("Sigmoid", [headLogit(HEAD_LIKE, "like")], likeName);
  const watchUnit = node("Softplus", [headLogit(HEAD_WATCH, "watch")], "watch_unit");
  node("Mul", [watchUnit, constant("watch_scale", [1], new Float32Array([model.watchScale]))], watchName);

  const name = options.modelName ?? "cascade_multitask_ranker";
  const modelProto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: "", version: ONNX_OPSET }],
    producerName: "cascade",
    producerVersion: "1",
    docString: name,
    metadataProps: [
      { key: FEATURE_NAMES_METADATA_KEY, value: JSON.stringify(model.featureNames) },
      ...Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    ],
    graph: {
      name,
      node: nodes,
      initializer: initializers,
      input: [tensorValueInfo(ONNX_INPUT_NAME, ["N", featureCount])],
      output: RANKER_OUTPUTS.map((output) => tensorValueInfo(output, ["N", 1])),
    },
  });
  return onnx.ModelProto.encode(modelProto).finish();
}

/** Column `head` of the [H, 3] head weights, as an [H, 1] matrix. */
function headColumn(model: MultiTaskRanker, head: number): Float32Array {
  const column = new Float32Array(model.head.inputSize);
  for (let k = 0; k < column.length; k += 1) column[k] = model.head.weights[k * HEAD_COUNT + head]!;
  return column;
}

function floatTensor(name: string, dims: number[], values: Float32Array): OnnxProto.ITensorProto {
  const expected = dims.reduce((product, dim) => product * dim, 1);
  if (values.length !== expected) throw new Error(`initializer ${name}: ${values.length} values for shape [${dims.join(", ")}]`);
  // rawData is little-endian; copy through a DataView so the bytes are right on any host.
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let index = 0; index < values.length; index += 1) view.setFloat32(index * 4, values[index]!, true);
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes };
}

/** A float32 tensor's ValueInfo; string dims are symbolic (the batch size). */
function tensorValueInfo(name: string, shape: (string | number)[]): OnnxProto.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((dim) => (typeof dim === "string" ? { dimParam: dim } : { dimValue: dim })) },
      },
    },
  };
}
