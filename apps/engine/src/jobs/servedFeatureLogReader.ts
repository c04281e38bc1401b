// The served-feature log (served_feature_log) as a stream in (served_at, id) order, with one row
// of look-ahead, for the skew check to merge with the event log. Keyset pages, like eventLog.ts.
import type { Database } from "@cascade/db";

export type ServedRow = {
  id: bigint;
  requestId: string;
  userId: string;
  itemId: string;
  servedAtMs: number;
  features: Record<string, unknown>;
};

type Row = Omit<ServedRow, "servedAtMs"> & { servedAt: Date };

export class ServedLogCursor {
  private page: ServedRow[] = [];
  private index = 0;
  private after: { at: Date; id: bigint };
  private exhausted = false;

  constructor(
    private readonly db: Database,
    private readonly range: { from: Date; to: Date },
    private readonly pageSize = 2_000,
  ) {
    this.after = { at: new Date(range.from.getTime() - 1), id: BigInt(Number.MAX_SAFE_INTEGER) * 1_000n };
  }

  /** The next row without consuming it; null at the end. */
  async peek(): Promise<ServedRow | null> {
    if (this.index < this.page.length) return this.page[this.index]!;
    if (this.exhausted) return null;
    const rows = await this.db.$queryRaw<Row[]>`
      SELECT id, request_id AS "requestId", user_id AS "userId", item_id AS "itemId", served_at AS "servedAt", features
      FROM served_feature_log
      WHERE (served_at, id) > (${this.after.at}::timestamptz, ${this.after.id}::bigint) AND served_at < ${this.range.to}::timestamptz
      ORDER BY served_at, id
      LIMIT ${this.pageSize}::int`;
    if (rows.length < this.pageSize) this.exhausted = true;
    const last = rows[rows.length - 1];
    if (last) this.after = { at: last.servedAt, id: last.id };
    this.page = rows.map(({ servedAt, ...row }) => ({ ...row, servedAtMs: servedAt.getTime() }));
    this.index = 0;
    return this.page[0] ?? null;
  }

  async next(): Promise<ServedRow | null> {
    const row = await this.peek();
    if (row) this.index += 1;
    return row;
  }
}
