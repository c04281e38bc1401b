import { describe, expect, it } from "vitest";
import { fitEase } from "./easeRecommender.ts";
import { createInteractionLog } from "./interactionLog.ts";

// 4 users × 5 items (binary X); user 3 repeats item 4, which must count once.
const rows: [number, number][] = [
  [0, 0],
  [0, 1],
  [0, 2],
  [1, 1],
  [1, 2],
  [2, 0],
  [2, 3],
  [2, 4],
  [3, 2],
  [3, 4],
  [3, 4],
];
const train = createInteractionLog(
  { users: rows.map(([u]) => u), items: rows.map(([, i]) => i), timestamps: rows.map((_, t) => t) },
  { numUsers: 4, numItems: 5 },
);
const n = 5;

/** G = XᵀX + λI from the distinct pairs, computed the obvious way. */
function gram(lambda: number): number[][] {
  const x = Array.from({ length: 4 }, () => new Array<number>(n).fill(0));
  for (const [u, i] of rows) x[u]![i] = 1;
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => x.reduce((sum, row) => sum + row[i]! * row[j]!, 0) + (i === j ? lambda : 0)));
}

/** Gauss–Jordan inverse with partial pivoting: an independent route to P. */
function gaussJordanInverse(matrix: number[][]): number[][] {
  const size = matrix.length;
  const a = matrix.map((row, i) => [...row, ...Array.from({ length: size }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < size; c++) {
    let pivot = c;
    for (let r = c + 1; r < size; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const p = a[c]![c]!;
    for (let j = 0; j < 2 * size; j++) a[c]![j]! /= p;
    for (let r = 0; r < size; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      for (let j = 0; j < 2 * size; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row) => row.slice(size));
}

describe("fitEase", () => {
  for (const lambda of [0.5, 3, 250]) {
    it(`matches B = I − P·diag(1/diag P), P = (XᵀX + λI)⁻¹, with a zero diagonal (λ = ${lambda})`, () => {
      const model = fitEase(train, { regularization: lambda });
      const p = gaussJordanInverse(gram(lambda));
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const expected = i === j ? 0 : -p[i]![j]! / p[j]![j]!;
          expect(model.weights[i * n + j]).toBeCloseTo(expected, 10);
        }
      }
      // Stationarity of the constrained least squares: G(I − B) is diagonal.
      const g = gram(lambda);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (i === j) continue;
          let sum = 0;
          for (let k = 0; k < n; k++) sum += g[i]![k]! * ((k === j ? 1 : 0) - model.weights[k * n + j]!);
          expect(sum).toBeCloseTo(0, 9);
        }
      }
    });
  }

  it("ranks unseen items by Σ over the distinct history of B[j, i]", () => {
    const model = fitEase(train, { regularization: 1 });
    const b = (j: number, i: number) => model.weights[j * n + i]!;
    const history = Int32Array.from([1, 2, 2]);
    const expected = [0, 3, 4].sort((x, y) => b(1, y) + b(2, y) - (b(1, x) + b(2, x)) || x - y);
    expect([...model.recommend(1, history, 5)]).toEqual(expected);
    expect([...model.recommend(1, history, 1)]).toEqual(expected.slice(0, 1));
  });

  it("refuses catalogues above maxItems and a non-positive λ", () => {
    expect(() => fitEase(train, { maxItems: 4 })).toThrow(/5 items exceed maxItems 4/);
    expect(() => fitEase(train, { regularization: 0 })).toThrow(/regularization must be > 0/);
  });
});
