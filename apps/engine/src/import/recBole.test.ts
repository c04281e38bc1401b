// RecBole atomic files: header, rows, file discovery and a whole data set through the import
// runner (sinks without a database that judge rows by the API's own checks).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPositiveFor } from "./positiveSpec.ts";
import { silentProgress } from "../telemetry/progress.ts";
import type { FileRecord } from "./fileRecords.ts";
import { findRecBoleFiles, importRecBole, readRecBoleHeader, readRecBoleRecords, recBoleInteractionColumns } from "./recBole.ts";
import { collectRecords, recordingSinks } from "./testing/recordingSinks.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cascade-recbole-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const collect = (records: AsyncIterable<FileRecord>) => collectRecords(records);

const tsv = (rows: string[][]) => rows.map((row) => row.join("\t")).join("\n") + "\n";

async function dataSet(name: string, files: Record<string, string[][]>): Promise<string> {
  const at = join(dir, name);
  await mkdir(at, { recursive: true });
  for (const [extension, rows] of Object.entries(files)) await writeFile(join(at, `${name}.${extension}`), tsv(rows));
  return at;
}

describe("files", () => {
  it("reads the field:type header and reports rows with the wrong field count by line", async () => {
    const at = await dataSet("tiny", {
      inter: [
        ["user_id:token", "item_id:token", "rating:float", "timestamp:float"],
        ["1", "2", "3", "881250949"],
        ["1", "2"],
        [],
        ["2", "3", "4", "881250950", "extra"],
      ],
    });
    const path = join(at, "tiny.inter");
    const header = await readRecBoleHeader(path);
    expect(header).toEqual([
      { name: "user_id", type: "token" },
      { name: "item_id", type: "token" },
      { name: "rating", type: "float" },
      { name: "timestamp", type: "float" },
    ]);
    const records = await collect(readRecBoleRecords(path, header));
    expect(records).toEqual([
      { line: 2, fields: { user_id: "1", item_id: "2", rating: "3", timestamp: "881250949" } },
      { line: 3, problem: { field: "row", reason: "expected 4 tab-separated fields (as the header), found 2" } },
      { line: 5, problem: { field: "row", reason: "expected 4 tab-separated fields (as the header), found 5" } },
    ]);
  });

  it("names a header column that is not name:type", async () => {
    const path = join(dir, "bad.inter");
    await writeFile(path, "user_id:token\titem_id\trating:number\n");
    await expect(readRecBoleHeader(path)).rejects.toThrow(/bad\.inter line 1, column 2: "item_id" is not a RecBole field/);
    await writeFile(path, "");
    await expect(readRecBoleHeader(path)).rejects.toThrow(/is empty/);
  });

  it("finds the data set in a directory or from its .inter file, and its .item/.user beside it", async () => {
    const at = await dataSet("found", { inter: [["user_id:token", "item_id:token"]], item: [["item_id:token"]] });
    await expect(findRecBoleFiles(at)).resolves.toEqual({ name: "found", inter: join(at, "found.inter"), item: join(at, "found.item"), user: undefined });
    await expect(findRecBoleFiles(join(at, "found.inter"))).resolves.toMatchObject({ name: "found", item: join(at, "found.item") });
    await writeFile(join(at, "other.inter"), "user_id:token\titem_id:token\n");
    await expect(findRecBoleFiles(at)).rejects.toThrow(/several RecBole data sets \(found\.inter, other\.inter\)/);
    await expect(findRecBoleFiles(join(at, "found.item"))).rejects.toThrow(/not a RecBole interaction file/);
    const empty = await mkdtemp(join(dir, "empty-"));
    await expect(findRecBoleFiles(empty)).rejects.toThrow(/no RecBole data/);
  });

  it("maps the interaction fields and says which one is missing", () => {
    const header = [
      { name: "user_id", type: "token" },
      { name: "artist_id", type: "token" },
      { name: "weight", type: "float" },
    ] as const;
    expect(() => recBoleInteractionColumns("x.inter", [...header], {})).toThrow(
      /x\.inter has no field item_id \(fields: user_id, artist_id, weight\); name it with --item-field/,
    );
    expect(recBoleInteractionColumns("x.inter", [...header], { item: "artist_id", weight: "weight" })).toEqual({
      user: "user_id",
      item: "artist_id",
      weight: "weight",
      rating: undefined,
      time: undefined,
      timeFormat: "unix-s",
      eventType: undefined,
    });
  });
});

describe("a data set", () => {
  it("imports items (genres → category, tags), users, then ratings; items missing from .item are created", async () => {
    const at = await dataSet("ml-tiny", {
      item: [
        ["item_id:token", "movie_title:token_seq", "release_year:token", "class:token_seq"],
        ["1", "Toy Story", "1995", "Animation Children's Comedy"],
        ["267", "unkonwn", "unkonwn", "unknown"],
        ["", "No id", "1990", "Drama"],
      ],
      user: [
        ["user_id:token", "age:token", "gender:token", "occupation:token", "zip_code:token"],
        ["1", "24", "M", "technician", "85711"],
      ],
      inter: [
        ["user_id:token", "item_id:token", "rating:float", "timestamp:float"],
        ["1", "1", "5", "874965758"],
        ["1", "267", "3", "874965759.5"],
        ["2", "99", "4", "874965760"],
        ["2", "1", "4", "soon"],
        ["1", "1", "5", "874965758"],
      ],
    });
    const sinks = recordingSinks();
    const result = await importRecBole(at, sinks, { idPrefix: "rb", progress: silentProgress });
    expect(result.positive).toEqual(defaultPositiveFor("recbole"));
    expect(result.summaries.map(({ entity, read, imported, duplicates, rejected }) => ({ entity, read, imported, duplicates, rejected }))).toEqual([
      { entity: "items", read: 3, imported: 2, duplicates: 0, rejected: 1 },
      { entity: "users", read: 1, imported: 1, duplicates: 0, rejected: 0 },
      { entity: "events", read: 5, imported: 3, duplicates: 1, rejected: 1 },
    ]);
    expect(result.summaries[0]!.rejections).toEqual([{ line: 4, field: "item_id", reason: "item id is missing" }]);
    expect(result.summaries[2]!.rejections).toEqual([{ line: 5, field: "timestamp", reason: '"soon" is not a number of seconds' }]);
    expect(sinks.items.get("rb-item-1")).toEqual({
      id: "rb-item-1",
      title: "Toy Story",
      category: "Animation",
      tags: ["Animation", "Children's", "Comedy"],
      publishedAt: "1995-01-01T00:00:00.000Z",
      attributes: { source: "recbole", release_year: "1995" },
    });
    expect(sinks.items.get("rb-item-267")).toMatchObject({ category: "unknown", tags: [], publishedAt: "1970-01-01T00:00:00.000Z" });
    expect(sinks.users.get("rb-user-1")).toEqual({ id: "rb-user-1", attributes: { age: "24", gender: "M", occupation: "technician", zip_code: "85711" } });
    expect(sinks.placeholders).toEqual([expect.objectContaining({ id: "rb-item-99", category: "unknown", publishedAt: "1997-09-22T22:02:40.000Z" })]);
    expect([...sinks.stored.values()].map((event) => [event.itemId, event.value, event.timestamp])).toEqual([
      // Stars on the API's 0–10 scale.
      ["rb-item-1", 10, "1997-09-22T22:02:38.000Z"],
      ["rb-item-267", 6, "1997-09-22T22:02:39.500Z"],
      ["rb-item-99", 8, "1997-09-22T22:02:40.000Z"],
    ]);
  });

  it("turns rows without a rating into implicit events of the chosen type, at synthetic times in file order", async () => {
    const at = await dataSet("plays", {
      inter: [
        ["user_id:token", "artist_id:token", "weight:float"],
        ["7", "a", "120"],
        ["7", "b", "1"],
      ],
    });
    const sinks = recordingSinks();
    const result = await importRecBole(join(at, "plays.inter"), sinks, {
      idPrefix: "lfm",
      fields: { item: "artist_id", weight: "weight" },
      eventType: "like",
      defaultTime: new Date("2020-01-01T00:00:00Z"),
      progress: silentProgress,
    });
    expect(result.positive).toEqual(defaultPositiveFor("weights"));
    expect([...sinks.stored.values()].map((event) => [event.type, event.itemId, event.timestamp, event.context])).toEqual([
      ["like", "lfm-item-a", "2020-01-01T00:00:01.000Z", { weight: 120 }],
      ["like", "lfm-item-b", "2020-01-01T00:00:02.000Z", { weight: 1 }],
    ]);
    expect(sinks.placeholders.map((item) => item.id)).toEqual(["lfm-item-a", "lfm-item-b"]);
  });
});
