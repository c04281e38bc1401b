import type { InteractionLog } from "./interactionLog.ts";

export interface RowSplit {
  /** Row indices into the source log, ascending. */
  train: Int32Array;
  test: Int32Array;
}

/**
 * Time-based split: rows strictly before `cutoff` train, rows at or after it test. This is the
 * split that mimics deployment — the model never sees the future it is scored on.
 */
export function timeSplit(log: InteractionLog, cutoff: number): RowSplit {
  const n = log.timestamps.length;
  let trainCount = 0;
  for (let i = 0; i < n; i++) if (log.timestamps[i]! < cutoff) trainCount++;
  const train = new Int32Array(trainCount);
  const test = new Int32Array(n - trainCount);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (log.timestamps[i]! < cutoff) train[a++] = i;
    else test[b++] = i;
  }
  return { train, test };
}

/**
 * The timestamp below which `fraction` of the rows fall, to split "the last 20% of time" without
 * knowing the data's time range. Returns +Infinity for an empty log.
 */
export function timeCutoffAtFraction(log: InteractionLog, fraction: number): number {
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`fraction must be in [0, 1], got ${fraction}`);
  const n = log.timestamps.length;
  if (n === 0) return Number.POSITIVE_INFINITY;
  const sorted = Float64Array.from(log.timestamps).sort();
  const index = Math.floor(fraction * n);
  return index >= n ? Number.POSITIVE_INFINITY : sorted[index]!;
}
