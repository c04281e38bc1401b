import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseInteractionTable, parsePositiveSpec } from "@cascade/core";
import { findSplitFiles, mapSuppliedSplit, offlineBenchmarkData } from "./benchmarkFiles.ts";

const ANY = parsePositiveSpec("any");

const table = (text: string, source = "x.inter") => parseInteractionTable(text, source);
const header = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n";

describe("offlineBenchmarkData", () => {
  const inter = table(`${header}u1\ti1\t5\t30\nu1\ti2\t2\t10\nu2\ti1\t4\t20\nu2\ti1\t3\t40\n`);

  it("keeps every pair once, oldest first, with times in ms and items without metadata in category 'unknown'", () => {
    const { data } = offlineBenchmarkData([inter], ANY);
    expect(data.userIds).toEqual(["u1", "u2"]);
    expect(data.itemIds).toEqual(["i2", "i1"]); // indexed in time order
    expect(data.interactions.count).toBe(3); // u2 rated i1 twice
    expect([...data.interactions.timeMs]).toEqual([10_000, 20_000, 30_000]);
    expect([...data.interactions.item]).toEqual([0, 1, 1]);
    expect(data.categoryNames[data.items.category[0]!]).toBe("unknown");
    expect(data.window.toMs).toBe(30_001);
  });

  it("applies a rating threshold and reads genres and years as the importer maps them", () => {
    const { data } = offlineBenchmarkData(
      [inter],
      parsePositiveSpec("rating>=8"),
      new Map([["i1", { genres: ["Drama", "War"], publishedAtMs: Date.UTC(1995, 0, 1) }]]),
    );
    expect(data.interactions.count).toBe(2); // u1·i1 (5) and u2·i1 (4); u1·i2 (2) is not a positive
    expect(data.itemIds).toEqual(["i1"]);
    expect(data.categoryNames[data.items.category[0]!]).toBe("Drama");
    expect([...data.items.tagIds].map((t) => data.tagNames[t])).toEqual(["Drama", "War"]);
    expect(data.items.publishedAtMs[0]).toBe(Date.UTC(1995, 0, 1));
  });

  it("refuses a rating threshold on a file without ratings, naming the line", () => {
    expect(() => offlineBenchmarkData([table("user,item\na,b\n", "pairs.csv")], parsePositiveSpec("rating>=8"))).toThrow("pairs.csv line 2: no rating");
  });
});

describe("mapSuppliedSplit", () => {
  const { data } = offlineBenchmarkData([table(`${header}ml-user-1\tml-movie-1\t5\t1\nml-user-1\tml-movie-2\t5\t2\nml-user-2\tml-movie-3\t5\t3\n`)], ANY);
  const mapping = { user: (id: string) => `ml-user-${id}`, item: (id: string) => `ml-movie-${id}` };

  it("maps ids onto the catalogue, adds unknown users and keeps each part", () => {
    const { data: mapped, parts } = mapSuppliedSplit(
      data,
      {
        train: table(`${header}1\t1\t4\t5\n9\t2\t4\t6\n`, "s.train.inter"),
        validation: table(`${header}1\t2\t4\t7\n`, "s.valid.inter"),
        test: table(`${header}1\t3\t4\t8\n`, "s.test.inter"),
      },
      ANY,
      mapping,
    );
    expect(mapped.userIds).toEqual(["ml-user-1", "ml-user-2", "ml-user-9"]);
    expect(mapped.follows.followOffsets.length).toBe(4);
    expect([...parts.train.user]).toEqual([0, 2]);
    expect([...parts.validation.item]).toEqual([1]);
    expect([...parts.test.item]).toEqual([2]);
    expect(mapped.interactions.count).toBe(4);
  });

  it("names the file and line of an item the catalogue does not have", () => {
    expect(() =>
      mapSuppliedSplit(
        data,
        { train: table(`${header}1\t1\t4\t5\n`), validation: table(`${header}1\t2\t4\t5\n`), test: table(`${header}1\t77\t4\t5\n`, "s.test.inter") },
        ANY,
        mapping,
      ),
    ).toThrow("s.test.inter line 2: item 77 (catalogue id ml-movie-77) is not in the catalogue");
  });
});

describe("findSplitFiles", () => {
  it("finds RecBole's benchmark files and complains about a missing part", async () => {
    const dir = await mkdtemp(join(tmpdir(), "split-"));
    for (const part of ["train", "valid", "test"]) await writeFile(join(dir, `ml-100k.${part}.inter`), header);
    expect(await findSplitFiles(dir)).toEqual({
      train: join(dir, "ml-100k.train.inter"),
      validation: join(dir, "ml-100k.valid.inter"),
      test: join(dir, "ml-100k.test.inter"),
    });
    const partial = await mkdtemp(join(tmpdir(), "split-"));
    await writeFile(join(partial, "train.csv"), "user,item\n");
    await expect(findSplitFiles(partial)).rejects.toThrow(/expected one validation file .* found none/);
  });
});
