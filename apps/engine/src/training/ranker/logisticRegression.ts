// The ranker's baseline: logistic regression for P(click) on the same input columns, the same
// split and the same example weights. Fitted exactly (Newton's method / IRLS on the standardised
// features with a small ridge), so the comparison is against the best linear model, not one that
// stopped early. F is tens of columns, so each Newton step is one pass over the rows plus an
// (F+1)² solve.

export type LogisticRegression = {
  featureNames: readonly string[];
  featureMean: Float64Array;
  featureInvStd: Float64Array;
  /** Coefficients on the standardised features. */
  coefficients: Float64Array;
  intercept: number;
  /** Newton steps taken. */
  iterations: number;
};

export type LogisticRegressionOptions = {
  /** L2 penalty on the coefficients (not the intercept), per unit of mean weight (default 1e-4). */
  ridge?: number;
  maxIterations?: number;
  /** Stops when the largest parameter change is below this (default 1e-7). */
  tolerance?: number;
};

export function trainLogisticRegression(
  featureNames: readonly string[],
  features: Float32Array,
  labels: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
  options: LogisticRegressionOptions = {},
): LogisticRegression {
  const F = featureNames.length;
  const n = labels.length;
  if (features.length !== n * F) throw new Error(`expected ${n} × ${F} feature values, got ${features.length}`);
  const ridge = options.ridge ?? 1e-4;
  const { mean, invStd } = standardisation(features, n, F);
  const D = F + 1; // last parameter: the intercept
  const beta = new Float64Array(D);
  const chunk = new NewtonChunk(D);
  let iterations = 0;
  let totalWeight = 0;
  for (let i = 0; i < n; i += 1) totalWeight += weights?.[i] ?? 1;
  if (!(totalWeight > 0)) throw new Error("logistic regression: the examples' total weight is 0");
  for (; iterations < (options.maxIterations ?? 50); iterations += 1) {
    const gradient = new Float64Array(D);
    const hessian = new Float64Array(D * D);
    for (let start = 0; start < n; start += NEWTON_CHUNK_ROWS) {
      chunk.accumulate(features, labels, weights, start, Math.min(n, start + NEWTON_CHUNK_ROWS), F, mean, invStd, beta, gradient, hessian);
    }
    for (let a = 0; a < D; a += 1) {
      gradient[a]! /= totalWeight;
      for (let b = 0; b <= a; b += 1) {
        const value = hessian[a * D + b]! / totalWeight;
        hessian[a * D + b] = value;
        hessian[b * D + a] = value;
      }
      if (a < F) {
        gradient[a]! += ridge * beta[a]!;
        hessian[a * D + a]! += ridge;
      }
    }
    const step = solveSymmetricPositiveDefinite(hessian, gradient, D);
    let largest = 0;
    for (let k = 0; k < D; k += 1) {
      beta[k]! -= step[k]!;
      largest = Math.max(largest, Math.abs(step[k]!));
    }
    if (largest < (options.tolerance ?? 1e-7)) {
      iterations += 1;
      break;
    }
  }
  return { featureNames: [...featureNames], featureMean: mean, featureInvStd: invStd, coefficients: beta.slice(0, F), intercept: beta[F]!, iterations };
}

const NEWTON_CHUNK_ROWS = 256;

/**
 * One Newton step's sums over a run of rows: gradient[a] += Σ residual·x_a and, for b ≤ a,
 * hessian[a, b] += Σ (curvature·x_a)·x_b. The rows are standardised into column-major buffers first,
 * so the (D+1)²/2 sums run four at a time with the partial sums in registers; each sum still adds
 * the rows in order from its previous value, so the result is the one the row-by-row loop gives.
 */
class NewtonChunk {
  private readonly x: Float64Array;
  private readonly curvatureX: Float64Array;
  private readonly residual = new Float64Array(NEWTON_CHUNK_ROWS);
  private readonly row: Float64Array;

  constructor(private readonly D: number) {
    this.x = new Float64Array(D * NEWTON_CHUNK_ROWS);
    this.curvatureX = new Float64Array(D * NEWTON_CHUNK_ROWS);
    this.row = new Float64Array(D);
  }

  accumulate(
    features: Float32Array,
    labels: ArrayLike<number>,
    weights: ArrayLike<number> | undefined,
    start: number,
    end: number,
    F: number,
    mean: Float64Array,
    invStd: Float64Array,
    beta: Float64Array,
    gradient: Float64Array,
    hessian: Float64Array,
  ): void {
    const { D, x, curvatureX, residual, row } = this;
    const rows = end - start;
    for (let r = 0; r < rows; r += 1) {
      const i = start + r;
      const w = weights?.[i] ?? 1;
      standardisedRow(features, i, F, mean, invStd, row);
      let z = 0;
      for (let k = 0; k < D; k += 1) z += beta[k]! * row[k]!;
      const p = sigmoid(z);
      // A zero-weight row adds 0·x (±0) to every sum, which changes none of them.
      const curvature = w === 0 ? 0 : w * Math.max(p * (1 - p), 1e-12);
      residual[r] = w === 0 ? 0 : w * (p - labels[i]!);
      for (let a = 0; a < D; a += 1) {
        x[a * rows + r] = row[a]!;
        curvatureX[a * rows + r] = curvature * row[a]!;
      }
    }
    for (let a = 0; a < D; a += 1) {
      const xa = a * rows;
      let g = gradient[a]!;
      for (let r = 0; r < rows; r += 1) g += residual[r]! * x[xa + r]!;
      gradient[a] = g;
      const rowOffset = a * D;
      let b = 0;
      for (; b + 4 <= a + 1; b += 4) {
        const x0 = b * rows;
        const x1 = x0 + rows;
        const x2 = x1 + rows;
        const x3 = x2 + rows;
        let s0 = hessian[rowOffset + b]!;
        let s1 = hessian[rowOffset + b + 1]!;
        let s2 = hessian[rowOffset + b + 2]!;
        let s3 = hessian[rowOffset + b + 3]!;
        for (let r = 0; r < rows; r += 1) {
          const c = curvatureX[xa + r]!;
          s0 += c * x[x0 + r]!;
          s1 += c * x[x1 + r]!;
          s2 += c * x[x2 + r]!;
          s3 += c * x[x3 + r]!;
        }
        hessian[rowOffset + b] = s0;
        hessian[rowOffset + b + 1] = s1;
        hessian[rowOffset + b + 2] = s2;
        hessian[rowOffset + b + 3] = s3;
      }
      for (; b <= a; b += 1) {
        const xb = b * rows;
        let sum = hessian[rowOffset + b]!;
        for (let r = 0; r < rows; r += 1) sum += curvatureX[xa + r]! * x[xb + r]!;
        hessian[rowOffset + b] = sum;
      }
    }
  }
}

/** P(click) for each row of `features` ([rows, F] raw values). */
export function predictLogisticRegression(model: LogisticRegression, features: Float32Array, rows: number): Float64Array {
  const F = model.featureNames.length;
  if (features.length !== rows * F) throw new Error(`expected ${rows} × ${F} feature values, got ${features.length}`);
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i += 1) {
    let z = model.intercept;
    for (let k = 0; k < F; k += 1) z += model.coefficients[k]! * (features[i * F + k]! - model.featureMean[k]!) * model.featureInvStd[k]!;
    out[i] = sigmoid(z);
  }
  return out;
}

function standardisation(features: Float32Array, n: number, F: number): { mean: Float64Array; invStd: Float64Array } {
  const mean = new Float64Array(F);
  const squares = new Float64Array(F);
  for (let i = 0; i < n; i += 1) for (let k = 0; k < F; k += 1) mean[k]! += features[i * F + k]!;
  for (let k = 0; k < F; k += 1) mean[k]! /= Math.max(1, n);
  for (let i = 0; i < n; i += 1) {
    for (let k = 0; k < F; k += 1) {
      const d = features[i * F + k]! - mean[k]!;
      squares[k]! += d * d;
    }
  }
  const invStd = new Float64Array(F);
  for (let k = 0; k < F; k += 1) {
    const std = Math.sqrt(squares[k]! / Math.max(1, n));
    invStd[k] = std > 1e-12 ? 1 / std : 1;
  }
  return { mean, invStd };
}

function standardisedRow(features: Float32Array, row: number, F: number, mean: Float64Array, invStd: Float64Array, out: Float64Array): void {
  for (let k = 0; k < F; k += 1) out[k] = (features[row * F + k]! - mean[k]!) * invStd[k]!;
  out[F] = 1;
}

/** Solves H·s = g by Cholesky (H symmetric positive definite; the ridge and the curvature floor keep it so). */
function solveSymmetricPositiveDefinite(matrix: Float64Array, rhs: Float64Array, D: number): Float64Array {
  const L = new Float64Array(D * D);
  for (let i = 0; i < D; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      let sum = matrix[i * D + j]!;
      for (let k = 0; k < j; k += 1) sum -= L[i * D + k]! * L[j * D + k]!;
      if (i === j) L[i * D + i] = Math.sqrt(Math.max(sum, 1e-12));
      else L[i * D + j] = sum / L[j * D + j]!;
    }
  }
  const y = new Float64Array(D);
  for (let i = 0; i < D; i += 1) {
    let sum = rhs[i]!;
    for (let k = 0; k < i; k += 1) sum -= L[i * D + k]! * y[k]!;
    y[i] = sum / L[i * D + i]!;
  }
  const solution = new Float64Array(D);
  for (let i = D - 1; i >= 0; i -= 1) {
    let sum = y[i]!;
    for (let k = i + 1; k < D; k += 1) sum -= L[k * D + i]! * solution[k]!;
    solution[i] = sum / L[i * D + i]!;
  }
  return solution;
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
