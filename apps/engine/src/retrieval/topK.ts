// Top-K selection over a score array with a fixed-size min-heap on typed arrays: O(n log K) and no
// per-candidate allocation, for brute-force retrieval and offline recall over whole catalogues.

export type TopK = {
  /** Item indices, best first. */
  ids: Int32Array;
  /** Their scores, same order. */
  scores: Float32Array;
};

/**
 * The k highest of `scores[0 .. count)`, best first (ties: lower index first). Entries equal to
 * -Infinity (how callers exclude items) are never returned, so fewer than k may come back.
 */
export function topK(scores: ArrayLike<number>, k: number, count = scores.length): TopK {
  const heapIds = new Int32Array(k);
  const heapScores = new Float32Array(k);
  let size = 0;
  for (let index = 0; index < count; index += 1) {
    const score = scores[index]!;
    if (score === -Infinity) continue;
    if (size < k) {
      // sift up
      let child = size;
      size += 1;
      while (child > 0) {
        const parent = (child - 1) >> 1;
        if (!worse(score, index, heapScores[parent]!, heapIds[parent]!)) break;
        heapScores[child] = heapScores[parent]!;
        heapIds[child] = heapIds[parent]!;
        child = parent;
      }
      heapScores[child] = score;
      heapIds[child] = index;
    } else if (worse(heapScores[0]!, heapIds[0]!, score, index)) {
      siftDown(heapScores, heapIds, size, score, index);
    }
  }
  // Pop the worst repeatedly into the back of the output: best first.
  const ids = new Int32Array(size);
  const out = new Float32Array(size);
  for (let end = size - 1; end >= 0; end -= 1) {
    ids[end] = heapIds[0]!;
    out[end] = heapScores[0]!;
    siftDown(heapScores, heapIds, end, heapScores[end]!, heapIds[end]!);
  }
  return { ids, scores: out };
}

/** Whether (scoreA, idA) ranks below (scoreB, idB): lower score, or equal score and higher index. */
function worse(scoreA: number, idA: number, scoreB: number, idB: number): boolean {
  return scoreA < scoreB || (scoreA === scoreB && idA > idB);
}

/** Puts (score, id) at the root of a heap of `size` entries and restores the heap. */
function siftDown(heapScores: Float32Array, heapIds: Int32Array, size: number, score: number, id: number): void {
  let parent = 0;
  for (;;) {
    let child = 2 * parent + 1;
    if (child >= size) break;
    if (child + 1 < size && worse(heapScores[child + 1]!, heapIds[child + 1]!, heapScores[child]!, heapIds[child]!)) child += 1;
    if (!worse(heapScores[child]!, heapIds[child]!, score, id)) break;
    heapScores[parent] = heapScores[child]!;
    heapIds[parent] = heapIds[child]!;
    parent = child;
  }
  heapScores[parent] = score;
  heapIds[parent] = id;
}
