import type { InteractionLog } from "./interactionLog.ts";
import { ItemMarker } from "./itemSet.ts";
import type { Recommender } from "./recommender.ts";
import { invertSymmetricPositiveDefinite } from "./symmetricInverse.ts";
import { topKByScore } from "./topKSelection.ts";
import { groupByUser } from "./userHistories.ts";

export interface EaseOptions {
  /** λ added to the Gram matrix's diagonal. Default 250 (RecBole's default `reg_weight`). */
  regularization?: number;
  /** Refuse catalogues larger than this: the dense n×n matrix costs 8·n² bytes and O(n³) time. Default 10 000. */
  maxItems?: number;
}

export interface EaseModel extends Recommender {
  /** The item-item weights B, row-major n×n: score(u, i) = Σ_{j ∈ history(u)} B[j, i]. */
  readonly weights: Float64Array;
}

/**
 * EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): the item-item matrix B
 * minimising ‖X − XB‖² + λ‖B‖² with diag(B) = 0 over the binary user × item matrix X, whose
 * closed form is B = I − P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹, i.e. B_ij = −P_ij / P_jj off
 * the diagonal and 0 on it. Repeated (user, item) rows count once (X is binary).
 */
export function fitEase(train: InteractionLog, options: EaseOptions = {}): EaseModel {
  const lambda = options.regularization ?? 250;
  const maxItems = options.maxItems ?? 10_000;
  const n = train.numItems;
  if (!(lambda > 0)) throw new Error(`fitEase: regularization must be > 0, got ${lambda}`);
  if (n > maxItems) {
    throw new Error(
      `fitEase: ${n} items exceed maxItems ${maxItems} (EASE inverts a dense ${n}×${n} matrix: ${((8 * n * n) / 2 ** 30).toFixed(1)} GiB); raise maxItems or leave EASE out`,
    );
  }

  // Gram matrix G = XᵀX (lower triangle is enough for the inverse): co-counts of distinct items per user.
  const gram = new Float64Array(n * n);
  const byUser = groupByUser(train);
  const marker = new ItemMarker(n);
  const distinct = new Int32Array(n);
  for (let u = 0; u < train.numUsers; u++) {
    marker.clear();
    let count = 0;
    for (let j = byUser.offsets[u]!; j < byUser.offsets[u + 1]!; j++) if (marker.add(byUser.items[j]!)) distinct[count++] = byUser.items[j]!;
    for (let x = 0; x < count; x++) {
      const a = distinct[x]!;
      for (let y = 0; y < count; y++) {
        const b = distinct[y]!;
        if (b <= a) gram[a * n + b]!++;
      }
    }
  }
  for (let i = 0; i < n; i++) gram[i * n + i]! += lambda;

  const weights = invertSymmetricPositiveDefinite(gram, n);
  const diagonal = new Float64Array(n);
  for (let j = 0; j < n; j++) diagonal[j] = weights[j * n + j]!;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) weights[row + j] = i === j ? 0 : -weights[row + j]! / diagonal[j]!;
  }

  const scores = new Float64Array(n);
  const seen = new ItemMarker(n);
  return {
    weights,
    recommend(_user, history, k) {
      scores.fill(0);
      seen.clear();
      for (let h = 0; h < history.length; h++) {
        const j = history[h]!;
        if (!seen.add(j)) continue;
        const row = j * n;
        for (let i = 0; i < n; i++) scores[i]! += weights[row + i]!;
      }
      return topKByScore(scores, k, seen);
    },
  };
}
