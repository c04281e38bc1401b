// Adam applied lazily to embedding tables ("LazyAdam"): a step updates only the rows the batch
// touched, leaving the moments of every other row as they are. That is what makes a step cost
// O(rows touched · d) rather than O(table size): a batch of 128 touches a few thousand rows of
// tables with millions. Bias correction uses the global step count (as TensorFlow's LazyAdam).
// Each table keeps a dense gradient buffer (zeroed row by row after the step, never scanned) and
// the list of touched rows, so accumulating a gradient is a flag test and d multiply-adds.

export type SparseAdamTable = {
  weights: Float32Array;
  /** Row width (d for embeddings, 1 for biases). */
  width: number;
  gradient: Float32Array;
  m: Float32Array;
  v: Float32Array;
  touched: Int32Array;
  touchedCount: number;
  isTouched: Uint8Array;
};

export type AdamSettings = { learningRate: number; beta1: number; beta2: number; epsilon: number };

export function sparseAdamTable(weights: Float32Array, width: number): SparseAdamTable {
  const rows = weights.length / width;
  return {
    weights,
    width,
    gradient: new Float32Array(weights.length),
    m: new Float32Array(weights.length),
    v: new Float32Array(weights.length),
    touched: new Int32Array(rows),
    touchedCount: 0,
    isTouched: new Uint8Array(rows),
  };
}

/** gradient[row] += scale · source[sourceOffset .. +width), remembering that the row was touched. */
export function accumulateRow(table: SparseAdamTable, row: number, source: Float32Array, sourceOffset: number, scale: number): void {
  if (table.isTouched[row] === 0) {
    table.isTouched[row] = 1;
    table.touched[table.touchedCount] = row;
    table.touchedCount += 1;
  }
  const gradient = table.gradient;
  const width = table.width;
  const offset = row * width;
  for (let c = 0; c < width; c += 1) gradient[offset + c] = gradient[offset + c]! + scale * source[sourceOffset + c]!;
}

/** gradient[row] += value for a width-1 table (biases). */
export function accumulateScalar(table: SparseAdamTable, row: number, value: number): void {
  if (table.isTouched[row] === 0) {
    table.isTouched[row] = 1;
    table.touched[table.touchedCount] = row;
    table.touchedCount += 1;
  }
  table.gradient[row] = table.gradient[row]! + value;
}

/** One Adam step on the touched rows (step counts from 1); clears their gradients. */
export function sparseAdamStep(table: SparseAdamTable, settings: AdamSettings, step: number): void {
  const { weights, gradient, m, v, touched, width } = table;
  const { beta1, beta2, epsilon } = settings;
  const stepSize = settings.learningRate / (1 - Math.pow(beta1, step));
  const inverseCorrection2 = 1 / (1 - Math.pow(beta2, step));
  const keep1 = 1 - beta1;
  const keep2 = 1 - beta2;
  for (let t = 0; t < table.touchedCount; t += 1) {
    const row = touched[t]!;
    table.isTouched[row] = 0;
    const end = (row + 1) * width;
    for (let index = row * width; index < end; index += 1) {
      const g = gradient[index]!;
      const mean = beta1 * m[index]! + keep1 * g;
      const variance = beta2 * v[index]! + keep2 * g * g;
      m[index] = mean;
      v[index] = variance;
      weights[index] = weights[index]! - (stepSize * mean) / (Math.sqrt(variance * inverseCorrection2) + epsilon);
      gradient[index] = 0;
    }
  }
  table.touchedCount = 0;
}
