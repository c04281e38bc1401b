// The published-benchmark protocol on a real data set, fully offline (a script, not a test):
//   node --import tsx apps/engine/bench/realDataBenchmark.ts <data dir or interaction file>
//     [--seeds 1,2,3] [--positive any|rating>=T] [--split-dir DIR] [--config train.json]
//     [--name ml-100k] [--out bench-results/real-data-<name>.json]
//
// Reads the interactions straight from the files — a RecBole atomic directory (<name>.inter, and
// <name>.item for genres/years when present), MovieLens u.data / ratings.dat / ratings.csv, or a
// CSV/TSV of user,item[,rating,timestamp] — with no database, then for each seed runs the same
// runBenchmarkProtocol `cascade eval --protocol benchmark` runs (per-user random 80/10/10, train +
// validation masked, full ranking; training/pipeline/benchmarkProtocol.ts): the two-tower trained on the
// 80% with the default (or --config) retrieval settings, popularity, item kNN, EASE, co-occurrence
// and the fused sources. With --split-dir it evaluates that supplied split once instead.
// Prints each seed's table, the mean ± standard deviation over seeds and the seconds per model,
// and writes everything to bench-results/ (gitignored). Never commit the data or the results.
import { mkdir, stat, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { describePositiveSpec, formatReportTable, parsePositiveSpec } from "@cascade/core";
import { repoRoot } from "@cascade/db";
import {
  findInteractionFile,
  findSplitFiles,
  offlineBenchmarkData,
  readInteractionFile,
  readItemMetadata,
  type ItemMetadata,
} from "../src/training/pipeline/benchmarkFiles.ts";
import { runBenchmarkProtocol, type BenchmarkResult } from "../src/training/pipeline/benchmarkProtocol.ts";
import { parseTrainConfig, readTrainConfigFile } from "../src/training/pipeline/trainConfig.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seeds: { type: "string", default: "1,2,3" },
    positive: { type: "string", default: "any" },
    "split-dir": { type: "string" },
    config: { type: "string" },
    name: { type: "string" },
    out: { type: "string" },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const target = positionals[0];
if (!target && !values["split-dir"])
  throw new Error("usage: realDataBenchmark.ts <data dir or interaction file> [--seeds 1,2,3] [--positive any|rating>=T] [--split-dir DIR]");
const seeds = values.seeds.split(",").map((part) => {
  const seed = Number(part);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seeds: "${part}" is not a non-negative integer`);
  return seed;
});
const positives = parsePositiveSpec(values.positive);
const config = values.config ? await readTrainConfigFile(values.config) : parseTrainConfig({});

// Item metadata beside the interactions (RecBole <name>.item), if any.
async function itemMetadataNear(interactionFile: string): Promise<ItemMetadata | undefined> {
  const itemFile = interactionFile.replace(/(\.(train|valid|test))?\.inter$/, ".item");
  if (itemFile === interactionFile) return undefined;
  const found = await stat(itemFile).catch(() => null);
  return found?.isFile() ? readItemMetadata(itemFile) : undefined;
}

const started = performance.now();
type Run = { seed: number | null; result: BenchmarkResult };
const runs: Run[] = [];
let dataName: string;
let source: string;
if (values["split-dir"]) {
  const files = await findSplitFiles(values["split-dir"]);
  const tables = [await readInteractionFile(files.train), await readInteractionFile(files.validation), await readInteractionFile(files.test)];
  const { data, parts } = offlineBenchmarkData(tables, positives, await itemMetadataNear(files.train));
  dataName = values.name ?? basename(resolve(values["split-dir"]));
  source = values["split-dir"];
  log(`${dataName}: supplied split ${parts.map((part) => part.count).join(" / ")} positives, ${data.userIds.length} users × ${data.itemIds.length} items`);
  const result = runBenchmarkProtocol(data, {
    config,
    seed: config.seed,
    split: { train: parts[0]!, validation: parts[1]!, test: parts[2]! },
    positives: describePositiveSpec(positives),
  });
  runs.push({ seed: null, result });
  process.stdout.write(`${formatReportTable(result.report)}\n\n`);
} else {
  const isFile = (await stat(target!)).isFile();
  const file = isFile ? target! : await findInteractionFile(target!);
  const readStarted = performance.now();
  const table = await readInteractionFile(file);
  const { data } = offlineBenchmarkData([table], positives, await itemMetadataNear(file));
  dataName = values.name ?? basename(isFile ? dirname(resolve(file)) : resolve(target!));
  source = file;
  log(
    `${dataName}: ${table.users.length} rows → ${data.interactions.count} positives (${values.positive}), ${data.userIds.length} users × ${data.itemIds.length} items, read in ${((performance.now() - readStarted) / 1000).toFixed(1)} s`,
  );
  for (const seed of seeds) {
    log(`seed ${seed}…`);
    const result = runBenchmarkProtocol(data, { config, seed, positives: describePositiveSpec(positives) });
    runs.push({ seed, result });
    process.stdout.write(`${formatReportTable(result.report)}\n`);
    process.stdout.write(
      `seconds (fit + ranking): ${result.timings.map((t) => `${t.name} ${t.fitSeconds.toFixed(1)} + ${t.recommendSeconds.toFixed(1)}`).join(" · ")}\n\n`,
    );
  }
}

// Mean ± sd over the runs, per row and headline metric.
const headline = ["recall@10", "ndcg@10", "hit@10", "mrr", "coverage@10"];
const first = runs[0]!.result.report;
const summary = first.rows.map((row, r) => {
  const metrics: Record<string, { mean: number; sd: number }> = {};
  for (const column of headline) {
    const j = first.columns.indexOf(column);
    if (j === -1) continue;
    const xs = runs.map((run) => run.result.report.rows[r]!.values[j]!);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
    metrics[column] = { mean, sd };
  }
  const timing = runs.map((run) => run.result.timings.find((t) => t.name === row.name)!);
  const seconds = (pick: (t: (typeof timing)[number]) => number) => timing.reduce((a, t) => a + pick(t), 0) / timing.length;
  return { name: row.name, ...metrics, fitSeconds: seconds((t) => t.fitSeconds), recommendSeconds: seconds((t) => t.recommendSeconds) };
});
const width = Math.max(...summary.map((row) => row.name.length));
const cell = (m: { mean: number; sd: number } | undefined) => (m ? `${m.mean.toFixed(4)} ± ${m.sd.toFixed(4)}` : "n/a").padStart(17);
process.stdout.write(
  [
    `${dataName}: mean ± sd over ${runs.length} run(s) (${runs.map((run) => (run.seed === null ? "supplied split" : `seed ${run.seed}`)).join(", ")})`,
    `${"model".padEnd(width)}  ${headline.map((h) => h.padStart(17)).join("")}  fit s  rank s`,
    ...summary.map(
      (row) =>
        `${row.name.padEnd(width)}  ${headline.map((h) => cell((row as unknown as Record<string, { mean: number; sd: number }>)[h])).join("")}  ${row.fitSeconds.toFixed(1).padStart(5)}  ${row.recommendSeconds.toFixed(1).padStart(6)}`,
    ),
    `total ${((performance.now() - started) / 1000).toFixed(1)} s · ${cpus().length} cores · loadavg ${loadavg()
      .map((v) => v.toFixed(2))
      .join(" ")}`,
  ].join("\n") + "\n",
);

const out = values.out ?? resolve(repoRoot, `bench-results/real-data-${dataName}.json`);
await mkdir(dirname(out), { recursive: true });
await writeFile(
  out,
  JSON.stringify(
    {
      data: { name: dataName, source, positives },
      protocol: "RecBole RO 8:1:1 full ranking: per-user random 80/10/10, train + validation masked at test",
      retrievalConfig: config.retrieval,
      summary,
      runs: runs.map(({ seed, result }) => ({
        seed,
        title: result.report.title,
        columns: result.report.columns,
        rows: result.report.rows,
        timings: result.timings,
        split: result.split,
        fusedSourcesWeights: result.funnelWeights,
        twoTowerEpochs: result.epochs,
        notes: result.notes,
      })),
      seconds: (performance.now() - started) / 1000,
      machine: { cores: cpus().length, loadavg: loadavg() },
    },
    null,
    2,
  ) + "\n",
);
log(`wrote ${join(out)}`);
