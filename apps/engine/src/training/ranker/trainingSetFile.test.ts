// A training set written by the training-set job's writers (CSV, JSON Lines, Parquet) reads back
// into the same examples in every format, with nulls, labels and feature columns in place.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { featureRegistry } from "../../features/registry.ts";
import { openTableWriter, type TableRow } from "../dataset/tableWriters.ts";
import { trainingSetColumns } from "../dataset/trainingSet.ts";
import { featureColumnsOf } from "./rankingExamples.ts";
import { readTrainingSetFile, tableFormatOfPath } from "./trainingSetFile.ts";

const dir = mkdtempSync(join(tmpdir(), "cascade-ranker-set-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T = Date.UTC(2030, 5, 1, 12);
const rows: TableRow[] = [0, 1, 2].map((index) => {
  const row: TableRow = {
    request_id: index < 2 ? "req-a" : null,
    user_id: `user-${index}`,
    item_id: `item-${index}`,
    impression_at: T + (index < 2 ? 0 : 60_000),
    surface: "home",
    position: index < 2 ? index : null,
    propensity: index < 2 ? 0.25 * (index + 1) : null,
    label_click: index === 1 ? 1 : 0,
    label_like: index === 1 ? 1 : 0,
    label_share: 0,
    label_watch: index === 1 ? 1 : 0,
    label_purchase: 0,
    label_negative: index === 2 ? 1 : 0,
    watch_seconds: index === 1 ? 42.5 : 0,
  };
  featureRegistry.names.forEach((name, k) => (row[name] = index * 100 + k + 0.5));
  return row;
});

describe("readTrainingSetFile", () => {
  it("reads Parquet column-wise into exactly the examples the row-wise CSV reader builds", async () => {
    const paths = { csv: join(dir, "same.csv"), parquet: join(dir, "same.parquet") };
    for (const [format, path] of Object.entries(paths) as ["csv" | "parquet", string][]) {
      const writer = openTableWriter(path, format, trainingSetColumns());
      for (const row of rows) await writer.write(row);
      await writer.close();
    }
    expect(await readTrainingSetFile(paths.parquet)).toEqual(await readTrainingSetFile(paths.csv));
    const chosen = [featureRegistry.names[4]!, featureRegistry.names[1]!];
    const subset = await readTrainingSetFile(paths.parquet, { featureNames: chosen });
    expect(subset).toEqual(await readTrainingSetFile(paths.csv, { featureNames: chosen }));
    expect(subset.featureNames).toEqual(chosen);
    expect(Array.from(subset.features.subarray(0, 2))).toEqual([4.5, 1.5]);
  });

  it.each(["csv", "jsonl", "parquet"] as const)("reads back what the %s writer wrote", async (format) => {
    const path = join(dir, `set.${format}`);
    expect(tableFormatOfPath(path)).toBe(format);
    const writer = openTableWriter(path, format, trainingSetColumns());
    for (const row of rows) await writer.write(row);
    await writer.close();

    const examples = await readTrainingSetFile(path);
    expect(examples.rows).toBe(3);
    expect(examples.featureNames).toEqual(featureRegistry.names);
    expect(featureColumnsOf(trainingSetColumns().map((column) => column.name))).toEqual(featureRegistry.names);
    const F = featureRegistry.names.length;
    expect(examples.features[F + 3]).toBeCloseTo(103.5, 6);
    expect(Array.from(examples.impressionAtMs)).toEqual([T, T, T + 60_000]);
    expect(Array.from(examples.click)).toEqual([0, 1, 0]);
    expect(Array.from(examples.like)).toEqual([0, 1, 0]);
    expect(Array.from(examples.watchSeconds)).toEqual([0, 42.5, 0]);
    expect(Array.from(examples.position)).toEqual([0, 1, Number.NaN]);
    expect(examples.propensity[1]).toBeCloseTo(0.5, 12);
    expect(examples.propensity[2]).toBeNaN();
    // One slate per request id; a row without one is its own slate.
    expect(examples.requestGroup[0]).toBe(examples.requestGroup[1]);
    expect(examples.requestGroup[2]).not.toBe(examples.requestGroup[0]);
    expect(examples.userIds).toEqual(["user-0", "user-1", "user-2"]);
  });

  it("reads only the named feature columns, in that order, and refuses unknown ones", async () => {
    const path = join(dir, "set.csv");
    const [first, second] = featureRegistry.names;
    const examples = await readTrainingSetFile(path, { featureNames: [second!, first!] });
    expect(examples.featureNames).toEqual([second, first]);
    expect(Array.from(examples.features.subarray(0, 2))).toEqual([1.5, 0.5]);
    await expect(readTrainingSetFile(path, { featureNames: ["no_such_feature"] })).rejects.toThrow(/lacks feature columns \[no_such_feature\]/);
  });

  it("names the row and column of a bad cell", async () => {
    const path = join(dir, "bad.jsonl");
    const good = { user_id: "u", item_id: "i", impression_at: new Date(T).toISOString(), label_click: 0, f: 1 };
    writeFileSync(path, [JSON.stringify(good), JSON.stringify({ ...good, f: "x" })].join("\n") + "\n");
    await expect(readTrainingSetFile(path)).rejects.toThrow(/row 2: feature f is "x"/);
    writeFileSync(path, JSON.stringify({ ...good, label_click: 3 }) + "\n");
    await expect(readTrainingSetFile(path)).rejects.toThrow(/label_click must be 0 or 1/);
  });
});
