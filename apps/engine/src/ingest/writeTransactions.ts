// How batch writes run in PostgreSQL: one interactive transaction per batch, rows written in a fixed
// key order so two concurrent batches touching the same rows lock them in the same order and
// cannot deadlock.

/** A 1000-row batch takes milliseconds; these bounds only stop a stuck transaction holding locks. */
export const WRITE_TRANSACTION_OPTIONS = { maxWait: 5_000, timeout: 30_000 } as const;

/** Lock order for ids. Entity ids are ASCII, so this is byte order (PostgreSQL's "C" collation). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
