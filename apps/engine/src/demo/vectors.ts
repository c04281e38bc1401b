// Small dense-vector helpers over rows of a flat Float32Array (row r occupies [r*d, (r+1)*d)).
// Flat typed arrays rather than number[][]: 1M item vectors stay one 64 MB allocation instead of
// a million small arrays, and the dot products in the hot loop read contiguous memory.
import type { Random } from "@cascade/core";

export function dotRows(a: Float32Array, rowA: number, b: Float32Array, rowB: number, dimensions: number): number {
  const offsetA = rowA * dimensions;
  const offsetB = rowB * dimensions;
  let sum = 0;
  for (let d = 0; d < dimensions; d += 1) sum += a[offsetA + d]! * b[offsetB + d]!;
  return sum;
}

/** Fills `out` with a uniformly random direction (a normalised Gaussian vector). */
export function randomUnitVector(random: Random, out: Float64Array): Float64Array {
  for (let d = 0; d < out.length; d += 1) out[d] = random.normal();
  return normalizeInPlace(out);
}

export function normalizeInPlace(vector: Float64Array): Float64Array {
  let norm = 0;
  for (let d = 0; d < vector.length; d += 1) norm += vector[d]! * vector[d]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let d = 0; d < vector.length; d += 1) vector[d]! /= norm;
  return vector;
}

export function readRow(source: Float32Array, row: number, out: Float64Array): Float64Array {
  const offset = row * out.length;
  for (let d = 0; d < out.length; d += 1) out[d] = source[offset + d]!;
  return out;
}

export function writeRow(target: Float32Array, row: number, vector: Float64Array): void {
  target.set(vector, row * vector.length);
}
