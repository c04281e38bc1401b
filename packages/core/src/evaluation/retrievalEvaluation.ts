import { selfInformation } from "./catalogueMetrics.ts";
import type { ItemSet } from "./itemSet.ts";
import { positionDiscount } from "./topKMetrics.ts";

export interface RetrievalMetricsAtK {
  k: number;
  recall: number;
  precision: number;
  ndcg: number;
  hitRate: number;
  /** Share of the catalogue in at least one top-k list. */
  coverage: number;
  /** Mean self-information (bits) of the recommended slots. */
  novelty: number;
}

export interface RetrievalMetrics {
  /** Users with at least one relevant item; the averages are over these. */
  users: number;
  /** Mean reciprocal rank over the whole list (the largest k). */
  mrr: number;
  atK: RetrievalMetricsAtK[];
}

/**
 * Streams users through every top-K metric at several K at once: one pass over each list, sums
 * kept in typed arrays, nothing allocated per user. Coverage and novelty use the training
 * popularity `counts`; users with no relevant items are skipped (their recall is undefined).
 */
export class RetrievalAccumulator {
  readonly ks: readonly number[];
  private readonly maxK: number;
  private readonly numItems: number;
  private readonly counts: ArrayLike<number>;
  private readonly totalCount: number;
  private readonly recall: Float64Array;
  private readonly precision: Float64Array;
  private readonly ndcg: Float64Array;
  private readonly hit: Float64Array;
  private readonly novelty: Float64Array;
  private readonly slots: Float64Array;
  private readonly distinct: Float64Array;
  /** Smallest rank (0-based) at which each item was ever recommended; decides coverage at every K. */
  private readonly firstRank: Int32Array;
  private readonly idcgPrefix: Float64Array;
  private mrrSum = 0;
  private userCount = 0;

  constructor(ks: readonly number[], numItems: number, counts: ArrayLike<number>) {
    if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k <= 0)) {
      throw new Error(`ks must be positive integers, got [${ks.join(", ")}]`);
    }
    this.ks = [...ks].sort((a, b) => a - b);
    this.maxK = this.ks[this.ks.length - 1]!;
    this.numItems = numItems;
    this.counts = counts;
    let total = 0;
    for (let i = 0; i < counts.length; i++) total += counts[i]!;
    this.totalCount = total;
    const m = this.ks.length;
    this.recall = new Float64Array(m);
    this.precision = new Float64Array(m);
    this.ndcg = new Float64Array(m);
    this.hit = new Float64Array(m);
    this.novelty = new Float64Array(m);
    this.slots = new Float64Array(m);
    this.distinct = new Float64Array(m);
    this.firstRank = new Int32Array(numItems).fill(-1);
    this.idcgPrefix = new Float64Array(this.maxK + 1);
    for (let i = 0; i < this.maxK; i++) this.idcgPrefix[i + 1] = this.idcgPrefix[i]! + positionDiscount(i);
  }

  /** Adds one user's best-first list against their relevant items. */
  add(recommended: ArrayLike<number>, relevant: ItemSet): void {
    if (relevant.size === 0) return;
    this.userCount++;
    const n = Math.min(this.maxK, recommended.length);
    let hits = 0;
    let dcg = 0;
    let info = 0;
    let rr = 0;
    let kIndex = 0;
    for (let i = 0; i < n; i++) {
      // Close every K that ends before position i.
      while (this.ks[kIndex]! <= i) this.closeK(kIndex++, hits, dcg, info, i, relevant.size);
      const item = recommended[i]!;
      if (relevant.has(item)) {
        hits++;
        dcg += positionDiscount(i);
        if (rr === 0) rr = 1 / (i + 1);
      }
      info += selfInformation(this.counts[item] ?? 0, this.totalCount);
      const first = this.firstRank[item]!;
      if (first === -1 || i < first) this.firstRank[item] = i;
    }
    while (kIndex < this.ks.length) this.closeK(kIndex++, hits, dcg, info, n, relevant.size);
    this.mrrSum += rr;
  }

  private closeK(j: number, hits: number, dcg: number, info: number, slots: number, relevantCount: number): void {
    const k = this.ks[j]!;
    this.recall[j]! += hits / relevantCount;
    this.precision[j]! += hits / k;
    this.ndcg[j]! += dcg / this.idcgPrefix[Math.min(k, relevantCount)]!;
    if (hits > 0) this.hit[j]!++;
    this.novelty[j]! += info;
    this.slots[j]! += slots;
  }

  result(): RetrievalMetrics {
    const users = this.userCount;
    const avg = (sum: number) => (users === 0 ? 0 : sum / users);
    this.distinct.fill(0);
    for (let item = 0; item < this.numItems; item++) {
      const first = this.firstRank[item]!;
      if (first === -1) continue;
      for (let j = 0; j < this.ks.length; j++) if (first < this.ks[j]!) this.distinct[j]!++;
    }
    return {
      users,
      mrr: avg(this.mrrSum),
      atK: this.ks.map((k, j) => ({
        k,
        recall: avg(this.recall[j]!),
        precision: avg(this.precision[j]!),
        ndcg: avg(this.ndcg[j]!),
        hitRate: avg(this.hit[j]!),
        coverage: this.numItems === 0 ? 0 : this.distinct[j]! / this.numItems,
        novelty: this.slots[j]! === 0 ? 0 : this.novelty[j]! / this.slots[j]!,
      })),
    };
  }
}
