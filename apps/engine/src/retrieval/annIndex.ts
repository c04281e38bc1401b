// Approximate nearest-neighbour retrieval over the item vectors: an HNSW graph (hnswlib-node,
// inner-product space) saved as an index file the engine loads, plus exact brute-force top-K to
// measure it against. hnswlib-node's labels are our item indices. Its calls take plain number[];
// we copy each row into one reused array instead of allocating per point.
//
// Maximum inner product search with vectors of unequal norms (the two-tower item vectors carry
// the item bias in their last coordinate) is not a metric problem, and an HNSW graph built on raw
// inner products degrades badly: measured on 1M trained item vectors, recall@100 0.61–0.66
// against exact search even at ef 800 (high-norm items become hubs every node links to). The
// index therefore applies the standard MIPS → nearest-neighbour reduction (Bachrach et al., 2014):
// every item gets one more coordinate √(M² − ‖x‖²), M = the largest norm, so all items have norm
// M, and queries get 0 there. Inner products are unchanged (scores stay exact inner products) and
// ranking by them is now ranking by angle, which HNSW handles well. The index file holds
// dimensions + 1 coordinates; callers always pass and get the original `dimensions`.
import hnsw from "hnswlib-node";
import { dotAll } from "./twoTowerModel.ts";
import { FINITE_SCORES, topKWithScores, type ScoredTopK } from "@cascade/core";

export type AnnIndexOptions = {
  /** Graph degree M (links per node per layer). */
  m: number;
  /** Candidate list size while building (higher = better graph, slower build). */
  efConstruction: number;
  /** Candidate list size while searching (raised to K when K is larger). */
  efSearch: number;
  /** hnswlib's level-assignment seed: same vectors + options + seed ⇒ same graph. */
  seed: number;
  /** Called every `progressEvery` points while building. */
  onProgress?: (done: number, total: number) => void;
  progressEvery: number;
};

export const DEFAULT_ANN_OPTIONS: Omit<AnnIndexOptions, "onProgress"> = {
  // M 32 with efConstruction 200: recall@100 0.999 at ef 100 on 1M trained item vectors; M 16 with
  // efConstruction 100 plateaued at 0.80 whatever ef (bench/trainRetrieval.ts, issue 4 report).
  m: 32,
  efConstruction: 200,
  efSearch: 200,
  seed: 100,
  progressEvery: 10_000,
};

/**
 * How serving searches a retrieval version's index: an AnnIndex in this thread, or the same index
 * file held by the ANN search thread (annSearchThread.ts). Best first; score = inner product.
 */
export type AnnSearcher = {
  readonly count: number;
  search(query: Float32Array, k: number): ScoredTopK | Promise<ScoredTopK>;
};

export type AnnIndex = AnnSearcher & {
  dimensions: number;
  count: number;
  efSearch: number;
  hnsw: hnsw.HierarchicalNSW;
};

function annIndexOf(hnswIndex: hnsw.HierarchicalNSW, dimensions: number, count: number, efSearch: number): AnnIndex {
  const index: AnnIndex = { dimensions, count, efSearch, hnsw: hnswIndex, search: (query, k) => queryAnnIndex(index, query, k) };
  return index;
}

/** Builds an HNSW index over `vectors` (count × dimensions, row-major); row r gets label r. */
export function buildAnnIndex(vectors: Float32Array, dimensions: number, options: Partial<AnnIndexOptions> = {}): AnnIndex {
  const o = { ...DEFAULT_ANN_OPTIONS, ...options };
  const count = vectors.length / dimensions;
  if (!Number.isInteger(count) || count === 0) throw new Error(`buildAnnIndex: ${vectors.length} values are not a whole number of ${dimensions}-dim rows`);
  let maxSquaredNorm = 0;
  for (let r = 0; r < count; r += 1) maxSquaredNorm = Math.max(maxSquaredNorm, squaredNorm(vectors, r * dimensions, dimensions));
  const index = new hnsw.HierarchicalNSW("ip", dimensions + 1);
  index.initIndex(count, o.m, o.efConstruction, o.seed);
  const row: number[] = new Array<number>(dimensions + 1).fill(0);
  for (let r = 0; r < count; r += 1) {
    const offset = r * dimensions;
    for (let c = 0; c < dimensions; c += 1) row[c] = vectors[offset + c]!;
    row[dimensions] = Math.sqrt(Math.max(0, maxSquaredNorm - squaredNorm(vectors, offset, dimensions)));
    index.addPoint(row, r);
    if (o.onProgress && (r + 1) % o.progressEvery === 0) o.onProgress(r + 1, count);
  }
  if (count % o.progressEvery !== 0) o.onProgress?.(count, count);
  index.setEf(o.efSearch);
  return annIndexOf(index, dimensions, count, o.efSearch);
}

function squaredNorm(vectors: Float32Array, offset: number, dimensions: number): number {
  let sum = 0;
  for (let c = 0; c < dimensions; c += 1) sum += vectors[offset + c]! * vectors[offset + c]!;
  return sum;
}

export function setSearchEf(index: AnnIndex, efSearch: number): void {
  index.efSearch = efSearch;
  index.hnsw.setEf(efSearch);
}

/** Writes the index file (hnswlib's own binary format). */
export async function saveAnnIndex(index: AnnIndex, path: string): Promise<void> {
  await index.hnsw.writeIndex(path);
}

/** Reads an index file written by saveAnnIndex; `dimensions` must be the one it was built with (the vectors', not the file's d + 1). */
export async function loadAnnIndex(path: string, dimensions: number, efSearch = DEFAULT_ANN_OPTIONS.efSearch): Promise<AnnIndex> {
  const index = new hnsw.HierarchicalNSW("ip", dimensions + 1);
  await index.readIndex(path);
  index.setEf(efSearch);
  return annIndexOf(index, dimensions, index.getCurrentCount(), efSearch);
}

/** The approximate top K items for a query vector, best first (score = inner product). */
export function queryAnnIndex(index: AnnIndex, query: ArrayLike<number>, k: number): ScoredTopK {
  const n = Math.min(k, index.count);
  if (index.efSearch < n) index.hnsw.setEf(n);
  const point: number[] = new Array<number>(index.dimensions + 1).fill(0);
  for (let c = 0; c < index.dimensions; c += 1) point[c] = query[c]!;
  const result = index.hnsw.searchKnn(point, n);
  if (index.efSearch < n) index.hnsw.setEf(index.efSearch);
  // hnswlib returns nearest first with distance = 1 − inner product.
  const ids = Int32Array.from(result.neighbors);
  const scores = new Float32Array(result.distances.length);
  for (let r = 0; r < scores.length; r += 1) scores[r] = 1 - result.distances[r]!;
  return { ids, scores };
}

/** Exact top K by brute force (every inner product), best first. `scores` is reusable scratch. */
export function exactTopK(vectors: Float32Array, dimensions: number, query: Float32Array, k: number, scores?: Float32Array): ScoredTopK {
  return topKWithScores(dotAll(vectors, dimensions, query, scores), k, undefined, FINITE_SCORES);
}

/**
 * recall@K of the index against exact search: for each query row of `queries` (q × dimensions),
 * |HNSW top K ∩ exact top K| / K, averaged.
 */
export function annRecall(index: AnnIndex, vectors: Float32Array, queries: Float32Array, k: number): number {
  const d = index.dimensions;
  const queryCount = queries.length / d;
  const scores = new Float32Array(vectors.length / d);
  const found = new Uint8Array(vectors.length / d);
  let total = 0;
  for (let q = 0; q < queryCount; q += 1) {
    const query = queries.subarray(q * d, (q + 1) * d);
    const exact = exactTopK(vectors, d, query, k, scores);
    const approximate = queryAnnIndex(index, query, k);
    for (let r = 0; r < approximate.ids.length; r += 1) found[approximate.ids[r]!] = 1;
    let hits = 0;
    for (let r = 0; r < exact.ids.length; r += 1) hits += found[exact.ids[r]!]!;
    for (let r = 0; r < approximate.ids.length; r += 1) found[approximate.ids[r]!] = 0;
    total += exact.ids.length === 0 ? 1 : hits / exact.ids.length;
  }
  return queryCount === 0 ? 1 : total / queryCount;
}
