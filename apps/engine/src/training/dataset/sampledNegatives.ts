// Ranker examples for logs without impressions (ratings, plays, purchases): every positive event
// becomes one positive example, and `negativesPerPositive` items the user had not engaged with
// become negative examples at the same instant, all with features as of that instant.
//
// How negatives are drawn, at time t, for user u:
// - with probability `popularShare` an item in proportion to its positives before t (hard
//   negatives: the popular items the retrieval sources put in front of the ranker), otherwise an
//   item uniformly from the catalogue items published by t;
// - never the positive itself nor an item u had a positive with before t (u's later positives can
//   be drawn: at t they were not known, exactly as at serving time);
// - seeded, so a training set is reproducible.
//
// How that is corrected for: the target is the uniform-negative objective (every item u had not
// engaged with is equally a negative), under which a pointwise classifier's odds are proportional
// to P(positive | u, i), so its order is the order of relevance. Popularity-drawn negatives would
// teach "popular ⇒ negative" instead; each negative therefore carries the importance weight
// q_uniform(i) / q(i) = 1 / ((1 − s) + s·N·c_i / C) (N catalogue items, c_i item i's positives, C
// their total, s = popularShare). It is written as the example's `propensity` (= 1 / weight), and
// the ranker trains with inverse-propensity weighting on, so the same code path that de-biases
// logged impressions applies it. Positives carry propensity 1. The weights only go up to
// 1 / (1 − s) (2 at the default), so no clipping is needed below s = 0.95.
import { createRandom, deriveSeed, isPositive, type PositiveSpec, type Random } from "@cascade/core";
import type { LoggedEvent } from "./eventLog.ts";

export type SampledNegativesOptions = {
  positives: PositiveSpec;
  negativesPerPositive: number;
  popularShare: number;
  seed: number;
};

export type CatalogueItem = { id: string; publishedAtMs: number };

/** One example to write: features are read for (userId, itemId) as of the group's time. */
export type SampledExample = { event: LoggedEvent; itemId: string; positive: boolean; propensity: number };

export function isPositiveEvent(event: Pick<LoggedEvent, "type" | "value" | "weight">, positives: PositiveSpec): boolean {
  return isPositive(positives, event);
}

/**
 * Weighted sampling with point updates in O(log n). Hand-written: a Fenwick tree over counts is
 * twenty lines, and no maintained npm package offers dynamic weighted sampling over typed arrays.
 */
class CountSampler {
  private readonly tree: Float64Array;
  total = 0;
  constructor(private readonly size: number) {
    this.tree = new Float64Array(size + 1);
  }
  add(index: number, amount: number): void {
    this.total += amount;
    for (let i = index + 1; i <= this.size; i += i & -i) this.tree[i] = this.tree[i]! + amount;
  }
  count(index: number): number {
    let sum = 0;
    for (let i = index + 1; i > 0; i -= i & -i) sum += this.tree[i]!;
    let before = 0;
    for (let i = index; i > 0; i -= i & -i) before += this.tree[i]!;
    return sum - before;
  }
  /** The index whose cumulative range holds `target` ∈ [0, total). */
  find(target: number): number {
    let position = 0;
    let remaining = target;
    for (let step = 1 << Math.floor(Math.log2(Math.max(1, this.size))); step > 0; step >>= 1) {
      const next = position + step;
      if (next <= this.size && this.tree[next]! <= remaining) {
        position = next;
        remaining -= this.tree[next]!;
      }
    }
    return Math.min(position, this.size - 1);
  }
}

export class SampledNegativeExamples {
  private readonly index = new Map<string, number>();
  /** Catalogue indices in publication order, for "uniform over items published by t". */
  private readonly byPublication: Int32Array;
  private readonly publishedAt: Float64Array;
  private readonly popularity: CountSampler;
  private readonly userPositives = new Map<string, Set<number>>();
  private readonly random: Random;
  examples = 0;
  positives = 0;
  /** Positives with no catalogue item or no item left to draw (skipped). */
  skipped = 0;

  constructor(
    private readonly items: readonly CatalogueItem[],
    private readonly options: SampledNegativesOptions,
  ) {
    items.forEach((item, i) => this.index.set(item.id, i));
    const order = Array.from(items.keys()).sort((a, b) => items[a]!.publishedAtMs - items[b]!.publishedAtMs || a - b);
    this.byPublication = Int32Array.from(order);
    this.publishedAt = Float64Array.from(order, (i) => items[i]!.publishedAtMs);
    this.popularity = new CountSampler(items.length);
    this.random = createRandom(deriveSeed(options.seed, 0x5a3e));
  }

  /** The examples for the positives among `events` (all stamped `atMs`), grouped by user; call before `observe`. */
  examplesAt(events: readonly LoggedEvent[], atMs: number): Map<string, SampledExample[]> {
    const byUser = new Map<string, SampledExample[]>();
    const published = this.publishedBy(atMs);
    for (const event of events) {
      if (!isPositiveEvent(event, this.options.positives)) continue;
      const item = this.index.get(event.itemId);
      const known = this.userPositives.get(event.userId);
      if (item === undefined || known?.has(item)) {
        if (item === undefined) this.skipped += 1;
        continue; // a repeat positive of a pair is not a new example
      }
      const rows: SampledExample[] = [{ event, itemId: event.itemId, positive: true, propensity: 1 }];
      for (let n = 0; n < this.options.negativesPerPositive; n += 1) {
        const negative = this.drawNegative(item, known, published);
        if (negative === -1) break;
        rows.push({ event, itemId: this.items[negative]!.id, positive: false, propensity: this.propensityOf(negative, published) });
      }
      if (rows.length === 1) {
        this.skipped += 1;
        continue;
      }
      const list = byUser.get(event.userId);
      if (list) list.push(...rows);
      else byUser.set(event.userId, rows);
      this.positives += 1;
      this.examples += rows.length;
    }
    return byUser;
  }

  /** Applies the group's positives to the popularity counts and the users' known positives. */
  observe(events: readonly LoggedEvent[]): void {
    for (const event of events) {
      if (!isPositiveEvent(event, this.options.positives)) continue;
      const item = this.index.get(event.itemId);
      if (item === undefined) continue;
      let known = this.userPositives.get(event.userId);
      if (!known) this.userPositives.set(event.userId, (known = new Set()));
      if (known.has(item)) continue;
      known.add(item);
      this.popularity.add(item, 1);
    }
  }

  /** How many catalogue items are published at or before `atMs` (a prefix of byPublication). */
  private publishedBy(atMs: number): number {
    let low = 0;
    let high = this.publishedAt.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.publishedAt[mid]! <= atMs) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** (1 − s) + s·N·c_i / C: the draw's probability relative to a uniform draw (1 / importance weight). */
  private propensityOf(item: number, published: number): number {
    const s = this.popularity.total > 0 ? this.options.popularShare : 0;
    const share = this.popularity.total > 0 ? this.popularity.count(item) / this.popularity.total : 0;
    return 1 - s + s * Math.max(1, published) * share;
  }

  private drawNegative(positive: number, known: Set<number> | undefined, published: number): number {
    if (published === 0) return -1;
    for (let attempt = 0; attempt < 32; attempt += 1) {
      const popular = this.popularity.total > 0 && this.random.next() < this.options.popularShare;
      const candidate = popular
        ? this.popularity.find(this.random.next() * this.popularity.total)
        : this.byPublication[Math.floor(this.random.next() * published)]!;
      if (candidate !== positive && !known?.has(candidate)) return candidate;
    }
    return -1;
  }
}
