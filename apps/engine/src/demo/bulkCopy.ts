// Streams rows into a table with `COPY … FROM STDIN`. Rows come from a (lazy) iterable and are
// formatted into ~256 KB chunks; stream.pipeline pulls the next chunk only when the COPY stream
// has drained (backpressure), so memory holds a few chunks however many rows there are.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { CopyTable } from "./copyTables.ts";

const CHUNK_CHARS = 256 * 1024;

export async function copyRows<Row>(
  client: pg.ClientBase,
  table: CopyTable<Row>,
  rows: Iterable<Row>,
  onRows: (count: number) => void = () => undefined,
): Promise<number> {
  let total = 0;
  function* chunks(): Generator<string> {
    let buffer = "";
    let rowsInBuffer = 0;
    for (const row of rows) {
      buffer += table.line(row);
      rowsInBuffer += 1;
      if (buffer.length >= CHUNK_CHARS) {
        total += rowsInBuffer;
        onRows(rowsInBuffer);
        yield buffer;
        buffer = "";
        rowsInBuffer = 0;
      }
    }
    if (rowsInBuffer > 0) {
      total += rowsInBuffer;
      onRows(rowsInBuffer);
      yield buffer;
    }
  }
  const columns = table.columns.map((column) => `"${column}"`).join(", ");
  const copy = client.query(copyFrom(`COPY "${table.table}" (${columns}) FROM STDIN`));
  await pipeline(Readable.from(chunks(), { objectMode: false, highWaterMark: 4 * CHUNK_CHARS }), copy);
  return total;
}
