// Row-by-row writers for the offline jobs' tables (training sets): CSV, JSON Lines and Parquet,
// behind one interface. Writing streams with backpressure (CSV, JSON Lines) or in row groups
// (Parquet), so memory stays bounded by one row group whatever the table's size.
//
// Parquet comes from hyparquet-writer (pure JavaScript, no native code or downloads): columns are
// typed (STRING, INT32, DOUBLE, TIMESTAMP in ms) with SNAPPY compression, readable by Spark,
// pandas/pyarrow, DuckDB and hyparquet.
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { fileWriter, ParquetWriter, schemaFromColumnData } from "hyparquet-writer";
import type { BasicType, ColumnSource } from "hyparquet-writer";

export const tableFormats = ["csv", "jsonl", "parquet"] as const;
export type TableFormat = (typeof tableFormats)[number];

export type ColumnKind = "string" | "int" | "float" | "timestamp";
export type ColumnSpec = { name: string; kind: ColumnKind; nullable: boolean };
/** A value per column; timestamps as ms since the epoch; null only in nullable columns. */
export type TableRow = Record<string, string | number | null>;

/** A value per column, in the writer's column order (the allocation-free form of a TableRow). */
export type TableValues = readonly (string | number | null)[];

export interface TableWriter {
  write(row: TableRow): Promise<void>;
  /** Same as write, with the values in column order; `values` may be reused once this returns. */
  writeValues(values: TableValues): Promise<void>;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

export function openTableWriter(path: string, format: TableFormat, columns: readonly ColumnSpec[]): TableWriter {
  switch (format) {
    case "csv":
      return new TextTableWriter(path, columns, [columns.map((column) => csvField(column.name)).join(",")], (values) =>
        columns.map((column, index) => csvField(formatValue(values[index] ?? null, column.kind))).join(","),
      );
    case "jsonl":
      return new TextTableWriter(path, columns, [], (values) =>
        JSON.stringify(Object.fromEntries(columns.map((column, index) => [column.name, jsonValue(values[index] ?? null, column.kind)]))),
      );
    case "parquet":
      return new ParquetTableWriter(path, columns);
  }
}

/** One line per row on a file stream, waiting for `drain` when the stream's buffer is full. */
class TextTableWriter implements TableWriter {
  private readonly stream;

  constructor(
    path: string,
    private readonly columns: readonly ColumnSpec[],
    headerLines: string[],
    private readonly line: (values: TableValues) => string,
  ) {
    this.stream = createWriteStream(path, { encoding: "utf8" });
    for (const header of headerLines) this.stream.write(header + "\n");
  }

  async write(row: TableRow): Promise<void> {
    await this.writeValues(valuesOf(row, this.columns));
  }

  async writeValues(values: TableValues): Promise<void> {
    if (!this.stream.write(this.line(values) + "\n")) await once(this.stream, "drain");
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, "finish");
  }
}

const PARQUET_TYPES: Record<ColumnKind, BasicType> = { string: "STRING", int: "INT32", float: "DOUBLE", timestamp: "TIMESTAMP" };
const ROW_GROUP_SIZE = 50_000;

class ParquetTableWriter implements TableWriter {
  private readonly writer: ParquetWriter;
  private buffer: (string | number | Date | null)[][];
  private rows = 0;

  constructor(
    path: string,
    private readonly columns: readonly ColumnSpec[],
  ) {
    const schema = schemaFromColumnData({
      columnData: columns.map((column) => ({ name: column.name, data: [], type: PARQUET_TYPES[column.kind], nullable: column.nullable })),
    });
    this.writer = new ParquetWriter({ writer: fileWriter(path), schema, createdBy: "cascade training-set" });
    this.buffer = columns.map(() => []);
  }

  async write(row: TableRow): Promise<void> {
    await this.writeValues(valuesOf(row, this.columns));
  }

  async writeValues(values: TableValues): Promise<void> {
    const { columns, buffer } = this;
    for (let index = 0; index < columns.length; index += 1) {
      const value = values[index] ?? null;
      buffer[index]!.push(columns[index]!.kind === "timestamp" && value !== null ? new Date(value) : value);
    }
    this.rows += 1;
    if (this.rows >= ROW_GROUP_SIZE) await this.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.writer.finish();
  }

  private async flush(): Promise<void> {
    if (this.rows === 0) return;
    const columnData: ColumnSource[] = this.columns.map((column, index) => ({ name: column.name, data: this.buffer[index]! }));
    await this.writer.write({ columnData, rowGroupSize: this.rows });
    this.buffer = this.columns.map(() => []);
    this.rows = 0;
  }
}

function valuesOf(row: TableRow, columns: readonly ColumnSpec[]): TableValues {
  return columns.map((column) => row[column.name] ?? null);
}

function formatValue(value: string | number | null, kind: ColumnKind): string {
  if (value === null) return "";
  if (kind === "timestamp") return new Date(value).toISOString();
  return String(value);
}

function jsonValue(value: string | number | null, kind: ColumnKind): string | number | null {
  return value !== null && kind === "timestamp" ? new Date(value).toISOString() : value;
}

/** RFC 4180: quote fields holding a comma, quote or line break; double the quotes inside. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
