// `cascade eval --protocol benchmark` against real PostgreSQL, on a synthetic MovieLens import in a
// scratch database of its own (the protocol reads the whole event log, so rows other test files
// leave in TEST_DATABASE_URL would change it): the default counts every rating as a positive, a
// rating threshold drops some, a supplied split in MovieLens ids is mapped onto the catalogue
// through the importer's prefix, and every run leaves its JSON results file.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePositiveSpec } from "@cascade/core";
import { createScratchDatabase, type ScratchDatabase } from "../testing/scratchDatabase.ts";
import { openImportSinks } from "../import/importSinks.ts";
import { importMovieLens } from "../import/movieLens.ts";
import { generateSyntheticMovieLens } from "../import/syntheticMovieLens.ts";
import { BENCHMARK_ROWS } from "../jobs/train/benchmarkProtocol.ts";
import { runEvalCommand, type EvalCommandOptions } from "./evalCommand.ts";
import { silentProgress } from "./progress.ts";

let databaseUrl: string;
let scratch: ScratchDatabase;

let dir: string;
let ratingLines: string[];
let configFile: string;

beforeAll(async () => {
  scratch = await createScratchDatabase("cascade_eval_benchmark");
  databaseUrl = scratch.url;
  dir = await mkdtemp(join(tmpdir(), "cascade-eval-int-"));
  const generated = await generateSyntheticMovieLens({ dir: join(dir, "ml"), format: "ml-1m", users: 40, items: 60, ratings: 1_200, seed: 5 });
  ratingLines = (await readFile(generated.files.at(-1)!, "latin1")).trim().split("\n");
  const open = await openImportSinks(databaseUrl, { warn: () => undefined });
  try {
    await importMovieLens(join(dir, "ml"), open.sinks, { eventBatchSize: 500, progress: silentProgress });
  } finally {
    await open.close();
  }
  configFile = join(dir, "config.json");
  await writeFile(configFile, JSON.stringify({ seed: 4, retrieval: { model: { dimensions: 8 }, training: { epochs: 1 } } }));
}, 120_000);

afterAll(async () => {
  await scratch?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function evaluate(options: Partial<EvalCommandOptions>) {
  let out = "";
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      out += String(chunk);
      done();
    },
  });
  const result = await runEvalCommand(databaseUrl, join(dir, "data"), { protocol: "benchmark", config: configFile, ...options }, { stdout, progress: silentProgress });
  if (result.protocol !== "benchmark") throw new Error("expected a benchmark result");
  return { result, out };
}

describe("cascade eval --protocol benchmark", () => {
  it("counts every rating by default, prints one table with every row and stores the results file", async () => {
    const { result, out } = await evaluate({});
    const distinctPairs = new Set(ratingLines.map((line) => line.split("::").slice(0, 2).join(":"))).size;
    const { split } = result.benchmark;
    expect(split.train + split.validation + split.test).toBe(distinctPairs);
    expect(split.kind).toBe("random");
    expect(out).toMatch(/RO 8:1:1.*any rating; train \+ validation items masked at test/);
    for (const name of Object.values(BENCHMARK_ROWS)) expect(out).toContain(name);
    expect(out).toContain(`results: ${result.resultsFile}`);
    const stored = JSON.parse(await readFile(result.resultsFile, "utf8"));
    expect(stored.positives).toEqual(parsePositiveSpec("any"));
    expect(stored.rows.map((row: { name: string }) => row.name)).toEqual(Object.values(BENCHMARK_ROWS));
    expect(stored.rows[0]["recall@10"]).toBe(result.benchmark.report.rows[0]!.values[result.benchmark.report.columns.indexOf("recall@10")]);
    expect(stored.timings).toHaveLength(Object.values(BENCHMARK_ROWS).length);
  }, 120_000);

  it("drops ratings under a --positive threshold", async () => {
    // Thresholds are on the stored 0–10 scale: MovieLens's 4 stars are 8.
    const { result } = await evaluate({ positive: "rating>=8", json: true });
    const { split } = result.benchmark;
    const high = new Set(ratingLines.filter((line) => Number(line.split("::")[2]) >= 4).map((line) => line.split("::").slice(0, 2).join(":"))).size;
    expect(high).toBeLessThan(ratingLines.length);
    expect(split.train + split.validation + split.test).toBe(high);
    await expect(evaluate({ positive: "rating>=4", positiveRating: 4 })).rejects.toThrow(/either --positive or --positive-rating/);
  }, 120_000);

  it("evaluates a supplied split in MovieLens ids, mapped through the importer's prefix", async () => {
    const rows = ratingLines.map((line) => line.split("::"));
    const csv = (pick: (index: number) => boolean) => ["user,item,rating,timestamp", ...rows.filter((_, index) => pick(index)).map((r) => r.join(","))].join("\n");
    await writeFile(join(dir, "train.csv"), csv((index) => index % 10 >= 2));
    await writeFile(join(dir, "valid.csv"), csv((index) => index % 10 === 1));
    await writeFile(join(dir, "test.csv"), csv((index) => index % 10 === 0));
    const { result } = await evaluate({ train: join(dir, "train.csv"), valid: join(dir, "valid.csv"), test: join(dir, "test.csv") });
    expect(result.benchmark.split).toMatchObject({ kind: "supplied", seed: null, test: rows.filter((_, index) => index % 10 === 0).length });
    await writeFile(join(dir, "test.csv"), "user,item\n1,999999\n");
    await expect(evaluate({ train: join(dir, "train.csv"), valid: join(dir, "valid.csv"), test: join(dir, "test.csv") })).rejects.toThrow(
      "test.csv line 2: item 999999 (catalogue id ml-movie-999999) is not in the catalogue",
    );
    await expect(evaluate({ train: join(dir, "train.csv") })).rejects.toThrow(/needs all three of --train, --valid and --test/);
  }, 120_000);
});
