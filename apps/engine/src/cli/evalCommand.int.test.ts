// `cascade eval --protocol benchmark` against real PostgreSQL, on a synthetic MovieLens import in a
// scratch database of its own (the protocol reads the whole event log, so rows other test files
// leave in TEST_DATABASE_URL would change it): the default counts every rating as a positive, a
// rating threshold drops some, a supplied split in MovieLens ids is mapped onto the catalogue
// through the importer's prefix, and every run leaves its JSON results file. `--served` replays the
// engine's serving code for every test user: refused without a supplied split or when the database
// holds test pairs; on a database holding the train part only (a second scratch database) it adds
// the two served-funnel rows.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePositiveSpec } from "@cascade/core";
import { createScratchDatabase, type ScratchDatabase } from "../testing/scratchDatabase.ts";
import { openImportSinks } from "../import/importSinks.ts";
import { importMovieLens } from "../import/movieLens.ts";
import { generateSyntheticMovieLens } from "../import/syntheticMovieLens.ts";
import { BENCHMARK_ROWS } from "../training/pipeline/benchmarkProtocol.ts";
import { runEvalCommand, type EvalCommandOptions } from "./evalCommand.ts";
import { silentProgress } from "../telemetry/progress.ts";
import { SERVED_ROWS } from "./servedRows.ts";

let databaseUrl: string;
let scratch: ScratchDatabase;

let dir: string;
let ratingLines: string[];
let generatedFiles: string[];
let configFile: string;

beforeAll(async () => {
  scratch = await createScratchDatabase("cascade_eval_benchmark");
  databaseUrl = scratch.url;
  dir = await mkdtemp(join(tmpdir(), "cascade-eval-int-"));
  const generated = await generateSyntheticMovieLens({ dir: join(dir, "ml"), format: "ml-1m", users: 40, items: 60, ratings: 1_200, seed: 5 });
  generatedFiles = generated.files;
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

async function evaluate(options: Partial<EvalCommandOptions>, url = databaseUrl) {
  let out = "";
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      out += String(chunk);
      done();
    },
  });
  const result = await runEvalCommand(url, join(dir, "data"), { protocol: "benchmark", config: configFile, ...options }, { stdout, progress: silentProgress });
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
    const csv = (pick: (index: number) => boolean) =>
      ["user,item,rating,timestamp", ...rows.filter((_, index) => pick(index)).map((r) => r.join(","))].join("\n");
    await writeFile(
      join(dir, "train.csv"),
      csv((index) => index % 10 >= 2),
    );
    await writeFile(
      join(dir, "valid.csv"),
      csv((index) => index % 10 === 1),
    );
    await writeFile(
      join(dir, "test.csv"),
      csv((index) => index % 10 === 0),
    );
    const { result } = await evaluate({ train: join(dir, "train.csv"), valid: join(dir, "valid.csv"), test: join(dir, "test.csv") });
    expect(result.benchmark.split).toMatchObject({ kind: "supplied", seed: null, test: rows.filter((_, index) => index % 10 === 0).length });
    await writeFile(join(dir, "test.csv"), "user,item\n1,999999\n");
    await expect(evaluate({ train: join(dir, "train.csv"), valid: join(dir, "valid.csv"), test: join(dir, "test.csv") })).rejects.toThrow(
      "test.csv line 2: item 999999 (catalogue id ml-movie-999999) is not in the catalogue",
    );
    await expect(evaluate({ train: join(dir, "train.csv") })).rejects.toThrow(/needs all three of --train, --valid and --test/);
  }, 120_000);
});

describe("cascade eval --protocol benchmark --served", () => {
  // A split by time over (user, item) pairs: each pair's first rating decides its part (oldest 80%
  // train, next 10% validation, newest 10% test), so no pair is in two parts.
  let parts: { train: string[][]; validation: string[][]; test: string[][] };
  let splitFiles: { train: string; valid: string; test: string };

  beforeAll(async () => {
    const firstOfPair = new Map<string, string[]>();
    for (const line of ratingLines) {
      const row = line.split("::");
      const key = `${row[0]}:${row[1]}`;
      const known = firstOfPair.get(key);
      if (!known || Number(row[3]) < Number(known[3])) firstOfPair.set(key, row);
    }
    const rows = [...firstOfPair.values()].sort((a, b) => Number(a[3]) - Number(b[3]) || (a[0]! < b[0]! ? -1 : 1));
    const cut = (share: number) => Math.floor(rows.length * share);
    parts = { train: rows.slice(0, cut(0.8)), validation: rows.slice(cut(0.8), cut(0.9)), test: rows.slice(cut(0.9)) };
    const csv = (part: string[][]) => ["user,item,rating,timestamp", ...part.map((row) => row.join(","))].join("\n") + "\n";
    splitFiles = { train: join(dir, "served-train.csv"), valid: join(dir, "served-valid.csv"), test: join(dir, "served-test.csv") };
    await writeFile(splitFiles.train, csv(parts.train));
    await writeFile(splitFiles.valid, csv(parts.validation));
    await writeFile(splitFiles.test, csv(parts.test));
  });

  it("is refused without a supplied split", async () => {
    await expect(evaluate({ served: true })).rejects.toThrow(/--served needs a supplied split/);
  });

  it("is refused when the database holds the test split's pairs", async () => {
    // The first database holds every rating, the test part's included.
    await expect(evaluate({ served: true, ...splitFiles })).rejects.toThrow(
      `--served: the database holds ${parts.test.length} of the test split's interactions`,
    );
  });

  it("adds the served funnel's rows, replayed as of the train part's end, on a database holding the train part only", async () => {
    const trainOnly = await createScratchDatabase("cascade_eval_served_train");
    try {
      // The same MovieLens files with only the train part's ratings.
      const mlDir = join(dir, "ml-train");
      await mkdir(mlDir, { recursive: true });
      for (const file of generatedFiles.slice(0, -1)) await copyFile(file, join(mlDir, basename(file)));
      await writeFile(join(mlDir, basename(generatedFiles.at(-1)!)), parts.train.map((row) => row.join("::")).join("\n") + "\n", "latin1");
      const open = await openImportSinks(trainOnly.url, { warn: () => undefined });
      try {
        await importMovieLens(mlDir, open.sinks, { eventBatchSize: 500, progress: silentProgress });
      } finally {
        await open.close();
      }

      const { result, out } = await evaluate({ served: true, ...splitFiles }, trainOnly.url);
      const { report, split } = result.benchmark;
      expect(split).toMatchObject({ kind: "supplied", train: parts.train.length, validation: parts.validation.length, test: parts.test.length });
      const names = report.rows.map((row) => row.name);
      expect(names).toEqual([...Object.values(BENCHMARK_ROWS), SERVED_ROWS.asServed, SERVED_ROWS.explorationOff]);
      for (const name of Object.values(SERVED_ROWS)) {
        const row = report.rows.find((entry) => entry.name === name)!;
        expect(row.values).toHaveLength(report.columns.length);
        for (const value of row.values) {
          expect(Number.isFinite(value)).toBe(true);
          expect(value).toBeGreaterThanOrEqual(0);
        }
        // The replayed pages reach the protocol (mapped onto its item indices): some test items are hit.
        expect(row.values[report.columns.indexOf("users")]).toBe(new Set(parts.test.map((entry) => entry[0])).size);
        expect(row.values[report.columns.indexOf("hit@10")]).toBeGreaterThan(0);
      }
      expect(out).toContain(SERVED_ROWS.explorationOff);
      expect(out).toMatch(/served funnel = the engine's serving code replayed per test user/);

      // Replayed as of the newest train rating, with features from every train rating, for every test user.
      const newestTrainMs = Math.max(...parts.train.map((row) => Number(row[3]) * 1000));
      const stored = JSON.parse(await readFile(result.resultsFile, "utf8"));
      expect(stored.served).toMatchObject({
        surface: "home",
        asOf: new Date(newestTrainMs + 1).toISOString(),
        eventsReplayed: parts.train.length,
        users: new Set(parts.test.map((row) => row[0])).size,
        activeModels: { retrieval: null, itemToItem: null, ranker: null },
      });
      expect(stored.rows.map((row: { name: string }) => row.name)).toEqual(names);
    } finally {
      await trainOnly.drop();
    }
  }, 120_000);
});
