// MovieLens import throughput (a script, not a test):
//   node --import tsx apps/engine/bench/importMovieLens.ts [--ratings 1000000] [--users 6040] [--items 3706]
//     [--batch 5000,1000,20000] [--format ml-1m|ml-latest] [--server postgresql://postgres@127.0.0.1:5432] [--seed 42]
//
// Generates synthetic MovieLens files (syntheticMovieLens.ts) into a temporary directory, then for
// each batch size imports them with `importMovieLens` — the `cascade import movielens` path: items
// through the API's upsert handler, ratings through the offline-log consumer's statement (event
// log + users + rollups) — into a scratch database of its own (created, migrated, dropped). Reports
// ratings/s and the process's CPU seconds per 100k ratings (PostgreSQL's CPU is not counted), with
// os.loadavg() before and after. Then re-imports once (everything a duplicate) to show the
// idempotent path's cost. Writes bench-results/import-movielens.json.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { applyMigrations, ensureDatabase, migrationsDir, repoRoot } from "@cascade/db";
import pg from "pg";
import { silentProgress } from "../src/telemetry/progress.ts";
import { readSeparatedRecords } from "../src/import/fileRecords.ts";
import { openImportSinks } from "../src/import/importSinks.ts";
import { importMovieLens } from "../src/import/movieLens.ts";
import { generateSyntheticMovieLens, type SyntheticMovieLensFormat } from "../src/import/syntheticMovieLens.ts";

const { values } = parseArgs({
  options: {
    ratings: { type: "string", default: "1000000" },
    users: { type: "string", default: "6040" },
    items: { type: "string", default: "3706" },
    batch: { type: "string", default: "5000" },
    format: { type: "string", default: "ml-1m" },
    seed: { type: "string", default: "42" },
    server: { type: "string", default: "postgresql://postgres@127.0.0.1:5432" },
    out: { type: "string", default: resolve(repoRoot, "bench-results/import-movielens.json") },
  },
});

const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const load = () => loadavg().map((value) => round(value));

async function scratchDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const url = `${values.server}/${name}`;
  const admin = new pg.Client({ connectionString: `${values.server}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  await ensureDatabase(url);
  await applyMigrations(url, migrationsDir);
  return {
    url,
    async drop() {
      const client = new pg.Client({ connectionString: `${values.server}/postgres` });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

async function timedImport(dir: string, databaseUrl: string, batch: number) {
  const open = await openImportSinks(databaseUrl, { warn: (...args: unknown[]) => console.warn(...args) });
  const cpuBefore = process.cpuUsage();
  const loadBefore = load();
  const started = performance.now();
  try {
    const result = await importMovieLens(dir, open.sinks, { eventBatchSize: batch, progress: silentProgress });
    const seconds = (performance.now() - started) / 1_000;
    const cpu = process.cpuUsage(cpuBefore);
    const ratings = result.summaries.at(-1)!;
    return {
      batch,
      seconds: round(seconds),
      ratingsRead: ratings.read,
      ratingsInserted: ratings.imported,
      duplicates: ratings.duplicates,
      rejected: ratings.rejected,
      ratingsPerSecond: Math.round(ratings.read / ratings.seconds),
      nodeCpuSecondsPer100k: round(((cpu.user + cpu.system) / 1e6 / Math.max(1, ratings.read)) * 100_000),
      loadavgBefore: loadBefore,
      loadavgAfter: load(),
    };
  } finally {
    await open.close();
  }
}

/** The ratings as event rows, COPY'd into a bare temporary table: the write ceiling. */
async function copyBaseline(ratingsPath: string, databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const loadBefore = load();
  const started = performance.now();
  let rows = 0;
  try {
    await client.query("CREATE TEMP TABLE copy_events (LIKE events INCLUDING DEFAULTS)");
    async function* lines() {
      const receivedAt = new Date().toISOString();
      let chunk = "";
      for await (const record of readSeparatedRecords(ratingsPath, "::", ["userId", "movieId", "rating", "timestamp"])) {
        if (!("fields" in record)) continue;
        const { userId, movieId, rating, timestamp } = record.fields as Record<string, string>;
        const occurredAt = new Date(Number(timestamp) * 1_000).toISOString();
        chunk += `ml:rating:${userId}:${movieId}:${timestamp}\trating\tml-user-${userId}\tml-movie-${movieId}\t${occurredAt}\t${receivedAt}\t${rating}\n`;
        rows += 1;
        if (chunk.length > 256 * 1024) {
          yield chunk;
          chunk = "";
        }
      }
      yield chunk;
    }
    const copy = client.query(copyFrom("COPY copy_events (event_id, type, user_id, item_id, occurred_at, received_at, value) FROM STDIN"));
    await pipeline(Readable.from(lines()), copy);
  } finally {
    await client.end();
  }
  const seconds = (performance.now() - started) / 1_000;
  return { rows, seconds: round(seconds), rowsPerSecond: Math.round(rows / seconds), loadavgBefore: loadBefore, loadavgAfter: load() };
}

const dir = await mkdtemp(join(tmpdir(), "cascade-bench-movielens-"));
const report: Record<string, unknown> = { cpus: cpus().length, format: values.format, startedAt: new Date().toISOString() };
try {
  const generateStarted = performance.now();
  const generated = await generateSyntheticMovieLens({
    dir,
    format: values.format as SyntheticMovieLensFormat,
    users: Number(values.users),
    items: Number(values.items),
    ratings: Number(values.ratings),
    seed: Number(values.seed),
  });
  report.generated = { ...generated, files: undefined, seconds: round((performance.now() - generateStarted) / 1_000) };
  console.log(`generated ${generated.ratings} ratings in ${String((report.generated as { seconds: number }).seconds)} s`);
  const runs: unknown[] = [];
  for (const batch of values.batch.split(",").map(Number)) {
    const database = await scratchDatabase(`cascade_bench_import_${batch}`);
    try {
      const first = await timedImport(dir, database.url, batch);
      console.log("fresh import", first);
      const again = await timedImport(dir, database.url, batch);
      console.log("re-import (all duplicates)", again);
      runs.push({ fresh: first, reimport: again });
    } finally {
      await database.drop();
    }
  }
  report.runs = runs;
  if (values.format === "ml-1m") {
    const database = await scratchDatabase("cascade_bench_import_copy");
    try {
      report.copyBaseline = await copyBaseline(join(dir, "ratings.dat"), database.url);
      console.log("COPY baseline", report.copyBaseline);
    } finally {
      await database.drop();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
await mkdir(dirname(values.out), { recursive: true });
await writeFile(values.out, JSON.stringify(report, null, 2));
console.log(`wrote ${values.out}`);
