import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { csvField, openTableWriter, tableFormats, type ColumnSpec } from "./tableWriters.ts";

const dir = mkdtempSync(join(tmpdir(), "cascade-table-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const columns: ColumnSpec[] = [
  { name: "id", kind: "string", nullable: false },
  { name: "note", kind: "string", nullable: true },
  { name: "at", kind: "timestamp", nullable: false },
  { name: "score", kind: "float", nullable: false },
];

describe("table writers", () => {
  it("quotes CSV fields only when they need it", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
  });

  it("writes CSV with a header, ISO times and empty cells for nulls", async () => {
    const path = join(dir, "t.csv");
    const writer = openTableWriter(path, "csv", columns);
    await writer.write({ id: "a", note: "x,y", at: Date.UTC(2026, 0, 1), score: 0.5 });
    await writer.write({ id: "b", note: null, at: Date.UTC(2026, 0, 2), score: 2 });
    await writer.close();
    expect(readFileSync(path, "utf8")).toBe('id,note,at,score\na,"x,y",2026-01-01T00:00:00.000Z,0.5\nb,,2026-01-02T00:00:00.000Z,2\n');
  });

  it("writes JSON Lines with nulls kept", async () => {
    const path = join(dir, "t.jsonl");
    const writer = openTableWriter(path, "jsonl", columns);
    await writer.write({ id: "b", note: null, at: Date.UTC(2026, 0, 2), score: 2 });
    await writer.close();
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ id: "b", note: null, at: "2026-01-02T00:00:00.000Z", score: 2 });
  });

  it.each(tableFormats)("writes the same %s file from positional values as from rows", async (format) => {
    const rows = [
      { id: "a", note: "x,y", at: Date.UTC(2026, 0, 1), score: 0.5 },
      { id: "b", note: null, at: Date.UTC(2026, 0, 2), score: 2 },
    ];
    const fromRows = join(dir, `rows.${format}`);
    const fromValues = join(dir, `values.${format}`);
    const byRow = openTableWriter(fromRows, format, columns);
    for (const row of rows) await byRow.write(row);
    await byRow.close();
    const byValues = openTableWriter(fromValues, format, columns);
    const reused: (string | number | null)[] = [];
    for (const row of rows) {
      columns.forEach((column, index) => (reused[index] = row[column.name as keyof typeof row]));
      await byValues.writeValues(reused);
    }
    await byValues.close();
    expect(readFileSync(fromValues).equals(readFileSync(fromRows))).toBe(true);
  });
});
