// Dense inverse of a symmetric positive-definite matrix, for EASE's (XᵀX + λI)⁻¹. Cholesky rather
// than Gauss–Jordan: half the work, no pivoting, and it fails loudly (a non-positive pivot) when
// the matrix is not positive definite instead of returning garbage. Everything happens in the one
// n×n buffer, so a 10k-item catalogue needs 800 MB, not three times that.

/**
 * Inverts the symmetric positive-definite n×n `matrix` (row-major) in place and returns it.
 * Steps: A = LLᵀ (lower L, overwrites the lower triangle); L⁻¹ (in place, row by row);
 * A⁻¹ = L⁻ᵀL⁻¹, accumulated as outer products of L⁻¹'s rows into the free upper triangle.
 * Only the lower triangle of the input is read. O(n³/2) multiply-adds in total.
 */
export function invertSymmetricPositiveDefinite(matrix: Float64Array, n: number): Float64Array {
  if (matrix.length !== n * n) throw new Error(`invertSymmetricPositiveDefinite: ${matrix.length} entries is not ${n}×${n}`);
  const a = matrix;

  // 1. Cholesky, row-oriented: every inner loop is a dot product of two contiguous row prefixes.
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      let sum = a[rowI + j]!;
      for (let k = 0; k < j; k++) sum -= a[rowI + k]! * a[rowJ + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new Error(`invertSymmetricPositiveDefinite: not positive definite (pivot ${i} is ${sum})`);
        a[rowI + i] = Math.sqrt(sum);
      } else {
        a[rowI + j] = sum / a[rowJ + j]!;
      }
    }
  }

  // 2. L⁻¹ in place: row i of L⁻¹ = (eᵢ − Σ_{k<i} L_ik · row k of L⁻¹) / L_ii. The coefficients L_ik
  // are read from row i before it is overwritten, so the sum goes to a scratch row first.
  const scratch = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    scratch.fill(0, 0, i);
    for (let k = 0; k < i; k++) {
      const coefficient = a[rowI + k]!;
      if (coefficient === 0) continue;
      const rowK = k * n;
      for (let j = 0; j <= k; j++) scratch[j]! += coefficient * a[rowK + j]!;
    }
    const pivot = a[rowI + i]!;
    for (let j = 0; j < i; j++) a[rowI + j] = -scratch[j]! / pivot;
    a[rowI + i] = 1 / pivot;
  }

  // 3. A⁻¹ = L⁻ᵀL⁻¹ = Σ_k (row k of L⁻¹)ᵀ(row k of L⁻¹). Entry (i, j), i ≤ j, sums over k ≥ j; the
  // strict upper triangle is free, the diagonal is kept aside until L⁻¹ is no longer needed.
  const diagonal = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = 0;
  for (let k = 0; k < n; k++) {
    const rowK = k * n;
    for (let i = 0; i <= k; i++) {
      const lki = a[rowK + i]!;
      if (lki === 0) continue;
      diagonal[i]! += lki * lki;
      const rowI = i * n;
      for (let j = i + 1; j <= k; j++) a[rowI + j]! += lki * a[rowK + j]!;
    }
  }
  for (let i = 0; i < n; i++) {
    a[i * n + i] = diagonal[i]!;
    for (let j = i + 1; j < n; j++) a[j * n + i] = a[i * n + j]!;
  }
  return a;
}
