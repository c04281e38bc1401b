import type { InteractionLog } from "./interactionLog.ts";
import { groupByUser } from "./userHistories.ts";

export interface BenchmarkSplit {
  /** Row indices into the source log, grouped by user. */
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

export interface BenchmarkSplitOptions {
  seed: number;
  /** Shares of each user's rows for validation and test; the rest trains. Default 0.1 / 0.1. */
  validationShare?: number;
  testShare?: number;
}

/**
 * The protocol of published benchmark tables (e.g. MovieLens results): each user's interactions
 * are shuffled and split 80/10/10, ignoring time. Each user's shuffle is seeded from
 * (seed, user id), so a user's split does not change when other users are added or removed.
 * Per user of n rows: ⌊n·testShare⌋ test and ⌊n·validationShare⌋ validation rows, the rest train,
 * as RecBole's "RO 8:1:1" split sizes them (including its rule for users with under 10 rows), so
 * train is never empty — a user with no training history cannot be ranked for. Evaluation then
 * ranks, for each user, every item not in that user's train or validation rows
 * (evaluateRecommenders with `masked`).
 */
export function benchmarkSplit(log: InteractionLog, options: BenchmarkSplitOptions): BenchmarkSplit {
  const validationShare = options.validationShare ?? 0.1;
  const testShare = options.testShare ?? 0.1;
  if (!(validationShare >= 0 && testShare >= 0 && validationShare + testShare < 1)) {
    throw new Error(`benchmarkSplit: shares must be ≥ 0 and sum below 1`);
  }
  const histories = groupByUser(log);
  const n = log.users.length;
  // First pass sizes the outputs exactly, so the second writes into final arrays.
  let testTotal = 0;
  let validationTotal = 0;
  const sizes = (count: number): [number, number] => {
    // RecBole's per-user ratio split: floor each held-out share, the rest trains; a share that
    // would round to nothing (0 < share·n < 1) still takes one row while train keeps more than one.
    let t = Math.floor(count * testShare);
    let v = Math.floor(count * validationShare);
    let train = count - t - v;
    if (train > 1 && count * testShare > 0 && count * testShare < 1) {
      t++;
      train--;
    }
    if (train > 1 && count * validationShare > 0 && count * validationShare < 1) {
      v++;
      train--;
    }
    return [v, t];
  };
  for (let u = 0; u < log.numUsers; u++) {
    const [v, t] = sizes(histories.offsets[u + 1]! - histories.offsets[u]!);
    validationTotal += v;
    testTotal += t;
  }
  const train = new Int32Array(n - validationTotal - testTotal);
  const validation = new Int32Array(validationTotal);
  const test = new Int32Array(testTotal);
  const rows = histories.rows; // shuffled in place per user; groupByUser gave us a private copy
  let a = 0;
  let b = 0;
  let c = 0;
  for (let u = 0; u < log.numUsers; u++) {
    const start = histories.offsets[u]!;
    const end = histories.offsets[u + 1]!;
    const random = seededRandom(mixSeed(options.seed, u));
    for (let i = end - 1; i > start; i--) {
      const j = start + Math.floor(random() * (i - start + 1));
      const tmp = rows[i]!;
      rows[i] = rows[j]!;
      rows[j] = tmp;
    }
    const [v, t] = sizes(end - start);
    let i = start;
    for (let x = 0; x < t; x++) test[c++] = rows[i++]!;
    for (let x = 0; x < v; x++) validation[b++] = rows[i++]!;
    while (i < end) train[a++] = rows[i++]!;
  }
  return { train, validation, test };
}

// The split's own generator, frozen: the benchmark splits by seed (and every real-data number
// published on them) must stay reproducible, so it is not the engine's PRNG (random.ts, which
// everything else uses) and must not change.
/** Mixes a seed with a key (e.g. a user index) so each user gets an independent stream. */
function mixSeed(seed: number, key: number): number {
  // murmur3 fmix32 over the combined value: nearby keys give unrelated seeds.
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ (key | 0)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32: tiny, fast, good enough for shuffling. Returns floats in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
