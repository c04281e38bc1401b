import { gradedGain, positionDiscount } from "./topKMetrics.ts";

export interface GroupedNdcg {
  /** Mean NDCG@k over groups with at least one positive gain. */
  ndcg: number;
  /** Groups that counted. */
  groups: number;
}

/**
 * NDCG@k of a scored list within groups (e.g. the candidates of one request): rows sharing a group
 * id are ranked by score, descending, and compared with the ideal order of their relevance labels
 * (gain 2^rel − 1, so 0/1 click labels work directly). Equal scores are ordered worst-label first:
 * a scorer that cannot tell items apart must not be credited with the ideal order.
 * Groups need not be contiguous; one index sort over all rows, O(n log n).
 */
export function groupedNdcgAtK(groups: ArrayLike<number>, scores: ArrayLike<number>, relevance: ArrayLike<number>, k: number): GroupedNdcg {
  const n = groups.length;
  if (scores.length !== n || relevance.length !== n) {
    throw new Error(`groupedNdcgAtK: ${n} groups, ${scores.length} scores, ${relevance.length} labels`);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => groups[a]! - groups[b]! || scores[b]! - scores[a]! || relevance[a]! - relevance[b]!);
  const ideal = new Float64Array(n);
  let sum = 0;
  let counted = 0;
  let start = 0;
  while (start < n) {
    const g = groups[order[start]!]!;
    let end = start;
    let dcg = 0;
    while (end < n && groups[order[end]!]! === g) {
      const rel = relevance[order[end]!]!;
      ideal[end] = rel;
      if (end - start < k && rel > 0) dcg += gradedGain(rel) * positionDiscount(end - start);
      end++;
    }
    const sorted = ideal.subarray(start, end).sort().reverse();
    let idcg = 0;
    const m = Math.min(k, sorted.length);
    for (let i = 0; i < m; i++) if (sorted[i]! > 0) idcg += gradedGain(sorted[i]!) * positionDiscount(i);
    if (idcg > 0) {
      sum += dcg / idcg;
      counted++;
    }
    start = end;
  }
  return { ndcg: counted === 0 ? Number.NaN : sum / counted, groups: counted };
}
