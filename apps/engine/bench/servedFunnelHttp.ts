// What the engine actually serves, measured under the published protocol through the HTTP API
// (issue 10, item 8): the same per-user random 80/10/10 split as `realDataBenchmark.ts` (same
// seed, same code), the engine fed and trained on the 80% only, and every test user asked for
// ten items with the validation items excluded (the train items are the user's consumed items:
// the engine filters those itself). Two steps around the usual commands:
//
//   node --import tsx apps/engine/bench/servedFunnelHttp.ts split <ml-100k dir> --seed 1 --out /tmp/served
//       → /tmp/served/train/<name>.inter (+ .item/.user copied): import it with `cascade import movielens`,
//         and /tmp/served/split/<name>.{train,valid,test}.inter for `cascade eval --protocol benchmark
//         --split-dir /tmp/served/split --served` (the same split, replayed in process),
//         train on it (`cascade train --promote`), start the engine with CASCADE_CLOCK=data
//   node --import tsx apps/engine/bench/servedFunnelHttp.ts score /tmp/served --engine http://127.0.0.1:4000 --key <api key>
//       → recall@10, NDCG@10, hit@10 over the test users, the share of degraded responses, latency,
//         and bench-results/served-funnel-<name>-seed<seed>.json
//
// Ids are mapped as the MovieLens importer maps them (`--id-prefix ml`: ml-user-<id>, ml-movie-<id>),
// or with `--id-style recbole` as `cascade import recbole` does (<prefix>-user-<id>, <prefix>-item-<id>).
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { ndcgAtK, hitRateAtK, parsePositiveSpec, recallAtK, type ItemSet } from "@cascade/core";
import { repoRoot } from "@cascade/db";
import { catalogIdMapping, findInteractionFile, offlineBenchmarkData, readInteractionFile } from "../src/training/pipeline/benchmarkFiles.ts";
import { splitForBenchmark } from "../src/training/pipeline/benchmarkProtocol.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seed: { type: "string", default: "1" },
    out: { type: "string" },
    engine: { type: "string", default: "http://127.0.0.1:4000" },
    key: { type: "string" },
    surface: { type: "string", default: "home" },
    "id-prefix": { type: "string", default: "ml" },
    "id-style": { type: "string", default: "movielens" },
    concurrency: { type: "string", default: "4" },
    k: { type: "string", default: "10" },
  },
});
const [command, target] = positionals;
const usage = "usage: servedFunnelHttp.ts split <data dir> --seed 1 --out DIR | score DIR --engine URL --key KEY";
if (!target || (command !== "split" && command !== "score")) throw new Error(usage);

type SplitFile = { name: string; seed: number; validation: Record<string, string[]>; test: Record<string, string[]> };

async function split(dataDir: string, seed: number, out: string): Promise<void> {
  const file = await findInteractionFile(dataDir);
  const table = await readInteractionFile(file);
  const { data } = offlineBenchmarkData([table], parsePositiveSpec("any"));
  const parts = splitForBenchmark(data.interactions, data.userIds.length, data.itemIds.length, seed);
  const pairs = (part: typeof parts.train) => {
    const byUser: Record<string, string[]> = {};
    for (let j = 0; j < part.count; j += 1) (byUser[data.userIds[part.user[j]!]!] ??= []).push(data.itemIds[part.item[j]!]!);
    return byUser;
  };
  const train = new Set<string>();
  for (let j = 0; j < parts.train.count; j += 1) train.add(`${data.userIds[parts.train.user[j]!]}\t${data.itemIds[parts.train.item[j]!]}`);
  // The train part as the same kind of file: the original lines of its (user, item) pairs.
  const lines = (await readFile(file, "utf8")).split(/\r?\n/);
  const kept = [lines[0]!, ...lines.slice(1).filter((line) => train.has(line.split("\t").slice(0, 2).join("\t")))];
  const name = basename(file).replace(/\.inter$/, "");
  await mkdir(join(out, "train"), { recursive: true });
  await writeFile(join(out, "train", basename(file)), kept.join("\n") + "\n");
  for (const extension of [".item", ".user"])
    await copyFile(join(dataDir, `${name}${extension}`), join(out, "train", `${name}${extension}`)).catch(() => undefined);
  // The three parts as RecBole split files too, for `cascade eval --protocol benchmark --split-dir <out>/split --served`.
  const keysOf = (part: typeof parts.train) => {
    const keys = new Set<string>();
    for (let j = 0; j < part.count; j += 1) keys.add(`${data.userIds[part.user[j]!]}\t${data.itemIds[part.item[j]!]}`);
    return keys;
  };
  await mkdir(join(out, "split"), { recursive: true });
  for (const [suffix, keys] of [
    ["train", train],
    ["valid", keysOf(parts.validation)],
    ["test", keysOf(parts.test)],
  ] as const) {
    const partLines = [lines[0]!, ...lines.slice(1).filter((line) => keys.has(line.split("\t").slice(0, 2).join("\t")))];
    await writeFile(join(out, "split", `${name}.${suffix}.inter`), partLines.join("\n") + "\n");
  }
  const splitFile: SplitFile = { name, seed, validation: pairs(parts.validation), test: pairs(parts.test) };
  await writeFile(join(out, "split.json"), JSON.stringify(splitFile));
  process.stderr.write(
    `${name} seed ${seed}: ${parts.train.count} train (${kept.length - 1} lines written) / ${parts.validation.count} validation / ${parts.test.count} test pairs → ${out}\n`,
  );
}

async function score(dir: string): Promise<void> {
  if (!values.key) throw new Error(`--key is required (${usage})`);
  const splitFile = JSON.parse(await readFile(join(dir, "split.json"), "utf8")) as SplitFile;
  const style = values["id-style"];
  if (style !== "movielens" && style !== "recbole") throw new Error("--id-style must be movielens or recbole");
  const { user: userId, item: itemId } = catalogIdMapping(values["id-prefix"], style);
  const k = Number(values.k);
  const users = Object.keys(splitFile.test);
  const results: { user: string; recall: number; ndcg: number; hit: number; degraded: boolean; ms: number; causes: string[] }[] = [];
  let next = 0;
  const worker = async () => {
    for (let position = next++; position < users.length; position = next++) {
      const raw = users[position]!;
      const exclude = (splitFile.validation[raw] ?? []).map(itemId).slice(0, 1000);
      const began = performance.now();
      const response = await fetch(`${values.engine}/v1/recommendations`, {
        method: "POST",
        headers: { authorization: `Bearer ${values.key}`, "content-type": "application/json" },
        body: JSON.stringify({ userId: userId(raw), surface: values.surface, count: k, excludeItemIds: exclude }),
      });
      const ms = performance.now() - began;
      if (!response.ok) throw new Error(`user ${raw}: HTTP ${response.status} ${await response.text()}`);
      const body = (await response.json()) as { items: { itemId: string }[]; degraded: boolean; degradedCauses?: { component: string }[] };
      // Core's metrics take dense indices: number this user's served and test items.
      const served = body.items.map((item) => item.itemId);
      const tested = splitFile.test[raw]!.map(itemId);
      const index = new Map([...new Set([...served, ...tested])].map((id, i) => [id, i]));
      const wanted = new Set(tested.map((id) => index.get(id)!));
      const relevant: ItemSet = { size: wanted.size, has: (item) => wanted.has(item) };
      const recommended = served.map((id) => index.get(id)!);
      results.push({
        user: raw,
        recall: recallAtK(recommended, relevant, k),
        ndcg: ndcgAtK(recommended, relevant, k),
        hit: hitRateAtK(recommended, relevant, k),
        degraded: body.degraded,
        ms,
        causes: (body.degradedCauses ?? []).map((cause) => cause.component),
      });
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
  const mean = (pick: (r: (typeof results)[number]) => number) => results.reduce((sum, r) => sum + pick(r), 0) / results.length;
  const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
  const causes: Record<string, number> = {};
  for (const result of results) for (const cause of result.causes) causes[cause] = (causes[cause] ?? 0) + 1;
  const summary = {
    data: splitFile.name,
    seed: splitFile.seed,
    users: results.length,
    [`recall@${k}`]: mean((r) => r.recall),
    [`ndcg@${k}`]: mean((r) => r.ndcg),
    [`hit@${k}`]: mean((r) => r.hit),
    degradedShare: results.filter((r) => r.degraded).length / results.length,
    degradedCauses: causes,
    latencyMs: { p50: latencies[Math.floor(latencies.length * 0.5)], p99: latencies[Math.floor(latencies.length * 0.99)] },
    seconds: (performance.now() - started) / 1000,
  };
  process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  const out = join(repoRoot, "bench-results", `served-funnel-${splitFile.name}-seed${splitFile.seed}.json`);
  await mkdir(join(repoRoot, "bench-results"), { recursive: true });
  await writeFile(out, JSON.stringify({ summary, users: results }, null, 2));
  process.stderr.write(`wrote ${out}\n`);
}

if (command === "split") await split(target, Number(values.seed), values.out ?? join(repoRoot, "bench-results", "served-split"));
else await score(target);
