// Measures `seedDemo` end to end against a scratch database it creates and drops:
//   npm run bench:seed -- [--size default] [--events N] [--items N] [--users N]
//     [--server postgresql://postgres@127.0.0.1:5432]
// Prints the summary (seconds per phase, rows/s) and this process's peak RSS, and writes them to
// bench-results/seed-<size>.json. Timings on shared
// machines are noisy: compare runs made on the same machine in the same session.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { applyMigrations, ensureDatabase, migrationsDir, repoRoot } from "@cascade/db";
import { createProgressReporter } from "../telemetry/progress.ts";
import { seedDemo } from "./loadDemo.ts";
import { demoSizes, type DemoSize } from "./worldConfig.ts";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "default" },
    events: { type: "string" },
    items: { type: "string" },
    users: { type: "string" },
    server: { type: "string", default: "postgresql://postgres@127.0.0.1:5432" },
    keep: { type: "boolean", default: false },
  },
});
if (!demoSizes.includes(values.size as DemoSize)) throw new Error(`--size must be one of ${demoSizes.join(", ")}`);
const optionalInt = (value: string | undefined) => (value === undefined ? undefined : Number(value));

const databaseName = `cascade_seed_bench_${process.pid}`;
const databaseUrl = `${values.server}/${databaseName}`;
await ensureDatabase(databaseUrl);
try {
  await applyMigrations(databaseUrl, migrationsDir);
  const summary = await seedDemo({
    databaseUrl,
    size: values.size as DemoSize,
    overrides: { events: optionalInt(values.events), items: optionalInt(values.items), users: optionalInt(values.users) },
    onProgress: createProgressReporter(),
  });
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const result = JSON.stringify({ measuredAt: new Date().toISOString(), ...summary, peakRssMb }, null, 2);
  console.log(result);
  const resultsDir = join(repoRoot, "bench-results");
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `seed-${values.size}.json`), result + "\n");
} finally {
  if (!values.keep) {
    const admin = new pg.Client({ connectionString: `${values.server}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.end();
  }
}
