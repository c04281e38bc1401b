// Offline evaluation works on columnar (user, item, timestamp) arrays with dense integer ids:
// millions of rows fit in a few typed arrays, and every pass is a cache-friendly loop.
export interface InteractionLog {
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly timestamps: Float64Array;
  /** Users are 0..numUsers-1 and items 0..numItems-1, even if some never occur in this slice. */
  readonly numUsers: number;
  readonly numItems: number;
}

export interface InteractionColumns {
  users: ArrayLike<number>;
  items: ArrayLike<number>;
  timestamps: ArrayLike<number>;
}

function maxPlusOne(values: Int32Array): number {
  let max = -1;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  return max + 1;
}

/** Validates and copies columns into typed arrays; counts default to the largest id + 1. */
export function createInteractionLog(columns: InteractionColumns, counts: { numUsers?: number; numItems?: number } = {}): InteractionLog {
  const n = columns.users.length;
  if (columns.items.length !== n || columns.timestamps.length !== n) {
    throw new Error(`interaction columns differ in length: ${n}, ${columns.items.length}, ${columns.timestamps.length}`);
  }
  const users = Int32Array.from(columns.users);
  const items = Int32Array.from(columns.items);
  const timestamps = Float64Array.from(columns.timestamps);
  const numUsers = counts.numUsers ?? maxPlusOne(users);
  const numItems = counts.numItems ?? maxPlusOne(items);
  for (let i = 0; i < n; i++) {
    const u = users[i]!;
    const it = items[i]!;
    if (u < 0 || u >= numUsers) throw new Error(`row ${i}: user ${u} outside [0, ${numUsers})`);
    if (it < 0 || it >= numItems) throw new Error(`row ${i}: item ${it} outside [0, ${numItems})`);
    if (Number.isNaN(timestamps[i]!)) throw new Error(`row ${i}: timestamp is NaN`);
  }
  return { users, items, timestamps, numUsers, numItems };
}

/** The sub-log of the given row indices; keeps the id spaces so splits stay comparable. */
export function selectRows(log: InteractionLog, rows: ArrayLike<number>): InteractionLog {
  const n = rows.length;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const timestamps = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    users[i] = log.users[r]!;
    items[i] = log.items[r]!;
    timestamps[i] = log.timestamps[r]!;
  }
  return { users, items, timestamps, numUsers: log.numUsers, numItems: log.numItems };
}

/** Interactions per item (every row counts, repeats included). */
export function itemPopularity(log: InteractionLog): Float64Array {
  const counts = new Float64Array(log.numItems);
  for (let i = 0; i < log.items.length; i++) counts[log.items[i]!]!++;
  return counts;
}
