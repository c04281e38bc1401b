import type { InteractionLog } from "./interactionLog.ts";

/**
 * Rows grouped by user in compressed-sparse-row form: user u's rows are
 * rows[offsets[u] .. offsets[u+1]), in their original log order. Built with a counting sort,
 * O(rows + users), two allocations — no per-user arrays.
 */
export interface UserHistories {
  readonly offsets: Int32Array;
  readonly rows: Int32Array;
  /** items[j] = log.items[rows[j]], precomputed because almost every consumer wants it. */
  readonly items: Int32Array;
}

export function groupByUser(log: InteractionLog): UserHistories {
  const n = log.users.length;
  const offsets = new Int32Array(log.numUsers + 1);
  for (let i = 0; i < n; i++) offsets[log.users[i]! + 1]!++;
  for (let u = 0; u < log.numUsers; u++) offsets[u + 1]! += offsets[u]!;
  const cursor = offsets.slice(0, log.numUsers);
  const rows = new Int32Array(n);
  const items = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const pos = cursor[log.users[i]!]!++;
    rows[pos] = i;
    items[pos] = log.items[i]!;
  }
  return { offsets, rows, items };
}

/** User u's items as a view (no copy). */
export function userItems(histories: UserHistories, user: number): Int32Array {
  return histories.items.subarray(histories.offsets[user]!, histories.offsets[user + 1]!);
}
