// A simulated A/B experiment on the demo world, end to end (issue 12, point 8; the core is
// src/demo/experimentSimulation.ts): the demo world's users hit a real engine over HTTP under two
// variants that truly differ, respond as the world's ground truth says, their events flow back
// through /v1/events and the consumers, and the results API must name the true winner with the
// right sign. Then A/A runs (identical variants, other seeds): no winner, no sample-ratio mismatch.
//
//   npm run bench:experiment -- [--users 2000] [--requests 3] [--aa-runs 5] [--seed 1] [--out FILE]
//
// By default it starts an engine of its own (`cascade start`, no console, no background training)
// on DATABASE_URL / REDIS_URL (required: an external database and Redis, loaded with the demo world
// at start when empty, --size) on port --port (4321), waits until its online features are warm, and
// stops it at the end. With --engine URL it uses a running engine instead (--key: an admin API key;
// default: the demo's). Either way the world is regenerated from the demo seed recorded in the
// database's audit log (DATABASE_URL), so the simulation knows each user's true preferences.
//
// A/B runs on the demo's `home` surface (--treatments), each treatment against the published config:
//   non-personalised  the personalised sources off (two-tower, item-to-item, co-visitation, follows),
//                     leaving trending and fresh: the ground truth's relevance σ(−4.5 + 5·taste·item + …)
//                     makes untargeted items clearly worse
//   inverted-blend    a blend that puts the candidates the ranker finds least clickable first; needs an
//                     active ranker (`cascade train --quick --promote` on the same database), skipped without
// The simulation measures how much worse each truly is (the true CTR per arm, from the ground truth).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { DEMO_API_KEY } from "@cascade/core";
import { repoRoot } from "@cascade/db";
import { runExperimentSimulation, type ExperimentSimulationResult, type SimulationArm, type SimulationEngine } from "../src/demo/experimentSimulation.ts";
import { DAY_MS, generateWorld } from "../src/demo/world.ts";
import { demoSizes, resolveDemoConfig, type DemoSize } from "../src/demo/worldConfig.ts";

const { values } = parseArgs({
  options: {
    engine: { type: "string" },
    key: { type: "string", default: DEMO_API_KEY },
    port: { type: "string", default: "4321" },
    size: { type: "string", default: "default" },
    users: { type: "string", default: "2000" },
    requests: { type: "string", default: "3" },
    "page-size": { type: "string", default: "10" },
    "aa-runs": { type: "string", default: "5" },
    seed: { type: "string", default: "1" },
    concurrency: { type: "string", default: "8" },
    surface: { type: "string", default: "home" },
    treatments: { type: "string", default: "non-personalised,inverted-blend" },
    out: { type: "string" },
    "settle-timeout-s": { type: "string", default: "600" },
    "no-analyze": { type: "boolean", default: false },
  },
});

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error("set DATABASE_URL (and REDIS_URL when this script starts the engine): the demo world's database");
const size = values.size as DemoSize;
if (!demoSizes.includes(size)) throw new Error(`--size must be one of ${demoSizes.join(", ")}`);
const users = Number(values.users);
const requestsPerUser = Number(values.requests);
const pageSize = Number(values["page-size"]);
const aaRuns = Number(values["aa-runs"]);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
const settleTimeoutMs = Number(values["settle-timeout-s"]) * 1_000;

/** The truly worse treatments, each against the published config. */
const TREATMENTS: Record<string, { arm: SimulationArm; needsRanker: boolean; why: string }> = {
  "non-personalised": {
    arm: {
      key: "non-personalised",
      name: "Trending and fresh only",
      overrides: { sources: { ann: { enabled: false }, itemToItem: { enabled: false }, covisitation: { enabled: false }, follows: { enabled: false } } },
    },
    needsRanker: false,
    why: "the personalised sources off: untargeted items have low taste·item affinity, the ground truth's main driver of relevance",
  },
  "inverted-blend": {
    arm: { key: "inverted-blend", name: "Least clickable first", overrides: { blend: { click: -1, like: -2, watch_seconds: 0.0001 } } },
    needsRanker: true,
    why: "a blend that puts the candidates the ranker finds least likely to be clicked or liked first (the tiny watch weight keeps one weight positive)",
  },
};
const treatments = (values.treatments ?? "").split(",").filter(Boolean);
for (const name of treatments) if (!TREATMENTS[name]) throw new Error(`unknown treatment ${name} (known: ${Object.keys(TREATMENTS).join(", ")})`);
const runStamp = new Date().toISOString().replace(/[:.]/g, "-");
const out = resolve(values.out ?? join(repoRoot, ".cascade-data", "bench", `experiment-simulation-${runStamp}.json`));
const log = (message: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const startedAt = performance.now();

let child: ChildProcess | null = null;
const engineUrl = values.engine ?? `http://127.0.0.1:${values.port}`;
try {
  if (!values.engine) {
    child = await startEngine();
    // Ctrl-C stops the engine this script started too (then exits: the finally below does not run).
    for (const signal of ["SIGINT", "SIGTERM"] as const)
      process.once(signal, () => {
        log(`${signal}: stopping the engine`);
        void stopEngine(child!).finally(() => process.exit(130));
      });
  }
  await waitForEngine(engineUrl, 30 * 60_000);
  const engineReadyAt = performance.now();

  const demo = await readDemoSeed(databaseUrl);
  const config = resolveDemoConfig(demo.size === "custom" ? "default" : demo.size, {
    seed: demo.seed,
    items: demo.items,
    users: demo.users,
    days: Math.round((Date.parse(demo.windowEnd) - Date.parse(demo.windowStart)) / DAY_MS),
    endAtMs: Date.parse(demo.windowEnd),
  });
  const world = generateWorld(config);
  if (world.items.count !== demo.items || world.users.count !== demo.users) throw new Error("the regenerated world does not match the loaded demo");
  log(`demo world: seed ${config.seed}, ${config.items} items, ${config.users} users, window ending ${demo.windowEnd}`);

  const engine: SimulationEngine = {
    async call({ method, url, body }) {
      const response = await fetch(`${engineUrl}${url}`, {
        method,
        headers: { authorization: `Bearer ${values.key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    },
    // The results query plans from table statistics; with autovacuum off (as on the machine this was
    // measured on) exposures and experiment_unit_days are never analysed, the planner assumes one
    // row each and a nested loop turned a 50 ms read into more than 5 minutes at 2,000 units.
    ...(values["no-analyze"] ? {} : { beforeResults: () => analyze(databaseUrl, ["exposures", "experiment_unit_days"]) }),
  };
  const common = { world, engine, surface: values.surface!, users, requestsPerUser, pageSize, concurrency, settleTimeoutMs };
  const progress = (label: string) => {
    let last = 0;
    return (done: number, total: number) => {
      if (done === total || performance.now() - last > 15_000) {
        last = performance.now();
        log(`${label}: ${done}/${total} users`);
      }
    };
  };

  // A run interrupted before it could stop its experiment leaves it serving: stop our leftovers (keys sim-…).
  const listed = (await engine.call({ method: "GET", url: "/v1/admin/experiments" })).body as { experiments?: { id: string; key: string; status: string }[] };
  for (const leftover of (listed.experiments ?? []).filter((entry) => entry.status === "running" && entry.key.startsWith("sim-"))) {
    log(`stopping ${leftover.key}, left running by an earlier run`);
    await engine.call({ method: "POST", url: `/v1/admin/experiments/${leftover.id}/stop` });
  }

  const health = (await fetch(`${engineUrl}/v1/health`).then((response) => response.json())) as { models?: { ranker: { id: string } | null } };
  const rankerActive = Boolean(health.models?.ranker);
  const abRuns: ExperimentSimulationResult[] = [];
  const aa: ExperimentSimulationResult[] = [];
  // Written after every run (a long run interrupted keeps what it measured), and at the end.
  const writeReport = async (complete: boolean) => {
    const table = [...abRuns, ...aa].map((result) => row(result));
    const falseWinners = aa.filter((result) => result.declaredWinner !== null).length;
    const srmFlags = [...abRuns, ...aa].filter((result) => result.sampleRatio?.flagged).length;
    const report = {
      complete,
      command: `npm run bench:experiment -- ${process.argv.slice(2).join(" ")}`.trim(),
      startedAt: new Date(Date.now() - (performance.now() - startedAt)).toISOString(),
      code: { commit: git("rev-parse", "HEAD"), uncommittedFiles: git("status", "--porcelain").split("\n").filter(Boolean).length },
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      engine: values.engine
        ? { url: engineUrl, startedHere: false }
        : { url: engineUrl, startedHere: true, readySeconds: round((engineReadyAt - startedAt) / 1_000) },
      world: { size: demo.size, seed: config.seed, items: config.items, users: config.users, windowEnd: demo.windowEnd },
      options: {
        analyzeBeforeResults: !values["no-analyze"],
        users,
        requestsPerUser,
        pageSize,
        aaRuns,
        seed,
        concurrency,
        surface: values.surface,
        treatments: treatments.map((name) => TREATMENTS[name]),
      },
      rankerActive,
      models: health.models ?? null,
      summary: { table, abCorrect: abRuns.map((ab) => ({ treatment: ab.treatment, correct: ab.correct })), falseWinners, aaRuns: aa.length, srmFlags },
      seconds: round((performance.now() - startedAt) / 1_000),
      runs: { ab: abRuns, aa },
    };
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify(report, null, 2));
    return report;
  };
  const stamp = Date.now().toString(36);
  for (const name of treatments) {
    const treatment = TREATMENTS[name]!;
    if (treatment.needsRanker && !rankerActive) {
      log(`skipping the ${name} A/B run: the blend weighs the ranker's predictions and no ranker is active (cascade train --quick --promote)`);
      continue;
    }
    log(`A/B: ${users} users × ${requestsPerUser} pages of ${pageSize}, control vs ${name}`);
    const result = await runExperimentSimulation({
      ...common,
      key: `sim-ab-${name}-${seed}-${stamp}`,
      seed,
      arms: [{ key: "control", name: "Published config" }, treatment.arm],
      expectedWinner: "control",
      onProgress: progress(`A/B ${name}`),
    });
    log(describe(result));
    abRuns.push(result);
    await writeReport(false);
  }
  for (let run = 1; run <= aaRuns; run += 1) {
    const runSeed = seed + run;
    log(`A/A ${run}/${aaRuns} (seed ${runSeed})`);
    const result = await runExperimentSimulation({
      ...common,
      key: `sim-aa-${runSeed}-${stamp}`,
      seed: runSeed,
      arms: [{ key: "a" }, { key: "b" }],
      expectedWinner: null,
      onProgress: progress(`A/A ${run}`),
    });
    log(describe(result));
    aa.push(result);
    await writeReport(false);
  }

  const table = [...abRuns, ...aa].map((result) => row(result));
  process.stdout.write(`\n${formatTable(table)}\n`);
  const falseWinners = aa.filter((result) => result.declaredWinner !== null).length;
  const srmFlags = [...abRuns, ...aa].filter((result) => result.sampleRatio?.flagged).length;
  for (const ab of abRuns) {
    process.stdout.write(
      `\nA/B ${ab.treatment}: winner ${ab.declaredWinner ?? "none"} (true winner control, true CTR ${pct(ab.arms[0]!.trueCtr)} vs ${pct(ab.arms[1]!.trueCtr)}) → ${ab.correct ? "detected with the right sign" : "NOT detected"}`,
    );
  }
  process.stdout.write(
    `\nA/A: ${falseWinners} false winner(s) in ${aa.length} runs at α = 0.05; SRM flagged in ${srmFlags} of ${abRuns.length + aa.length} runs\n`,
  );

  const report = await writeReport(true);
  log(`results written to ${out} (${report.seconds} s in all)`);
} finally {
  if (child) await stopEngine(child);
}

type Row = {
  run: string;
  arm: string;
  exposures: number;
  impressions: number;
  ctr: string;
  trueCtr: string;
  clicksPerUser: string;
  ctrLift: string;
  ctrP: string;
  clicksSeqP: string;
  srmP: string;
  verdict: string;
};

function pct(value: number): string {
  return `${(value * 100).toFixed(2)}%`;
}

function row(result: ExperimentSimulationResult): Row[] {
  const percent = (value: number | null) => (value === null ? "—" : `${(value * 100).toFixed(2)}%`);
  const p = (value: number | null | undefined) => (value === null || value === undefined ? "—" : value < 0.0001 ? value.toExponential(1) : value.toFixed(4));
  const lift = result.ctr.relative;
  return result.arms.map((arm, index) => ({
    run: index === 0 ? `${result.expectedWinner ? `A/B ${result.treatment}` : "A/A"} seed ${result.seed}` : "",
    arm: arm.key,
    exposures: arm.exposures,
    impressions: arm.impressions,
    ctr: percent(arm.ctr),
    trueCtr: percent(arm.trueCtr),
    clicksPerUser: arm.clicksPerUser === null ? "—" : arm.clicksPerUser.toFixed(3),
    ctrLift: index === 0 || !lift ? "" : `${(lift.estimate * 100).toFixed(1)}% [${(lift.lower * 100).toFixed(1)}, ${(lift.upper * 100).toFixed(1)}]`,
    ctrP: index === 0 ? "" : p(result.ctr.pValue),
    clicksSeqP: index === 0 ? "" : p(result.clicksPerUser.sequentialPValue),
    srmP: index === 0 ? "" : `${p(result.sampleRatio?.pValue)}${result.sampleRatio?.flagged ? " SRM!" : ""}`,
    verdict: index === 0 ? "" : `${result.declaredWinner ?? "no winner"}${result.correct ? " ✓" : " ✗"}`,
  }));
}

function formatTable(rows: Row[][]): string {
  const flat = rows.flat();
  const columns = Object.keys(flat[0]!) as (keyof Row)[];
  const widths = columns.map((column) => Math.max(column.length, ...flat.map((entry) => String(entry[column]).length)));
  const line = (cells: string[]) => `| ${cells.map((cell, index) => cell.padEnd(widths[index]!)).join(" | ")} |`;
  return [line(columns), line(widths.map((width) => "-".repeat(width))), ...flat.map((entry) => line(columns.map((column) => String(entry[column]))))].join(
    "\n",
  );
}

function describe(result: ExperimentSimulationResult): string {
  const [control, treatment] = result.arms;
  return (
    `${result.key}: exposures ${control!.exposures}/${treatment!.exposures}, CTR ${control!.ctr?.toFixed(4)} vs ${treatment!.ctr?.toFixed(4)} ` +
    `(true ${control!.trueCtr.toFixed(4)} vs ${treatment!.trueCtr.toFixed(4)}), p ${result.ctr.pValue?.toFixed(4)}, SRM p ${result.sampleRatio?.pValue.toFixed(3)}, ` +
    `winner ${result.declaredWinner ?? "none"}; ${result.requests} requests (${result.degradedResponses} degraded, ${result.shedRetries} shed and retried), ${result.eventsSent} events, ${result.seconds.total} s`
  );
}

async function startEngine(): Promise<ChildProcess> {
  if (!process.env.REDIS_URL) throw new Error("set REDIS_URL: the engine this script starts uses an external Redis (or pass --engine URL)");
  const dataDir = join(repoRoot, ".cascade-data", "experiment-simulation");
  await mkdir(dataDir, { recursive: true });
  const logFile = join(dataDir, `engine-${runStamp}.log`);
  log(`starting the engine on port ${values.port} (log: ${logFile}); an empty database gets the ${size} demo world first`);
  const engine = spawn(
    process.execPath,
    ["--max-semi-space-size=16", "--no-memory-reducer", "--import", "tsx", join(repoRoot, "apps/engine/src/cli.ts"), "start"],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        ENGINE_PORT: values.port,
        CONSOLE_PORT: String(Number(values.port) + 1),
        CASCADE_CONSOLE: "false",
        CASCADE_DEMO: "true",
        CASCADE_DEMO_TRAIN: "false",
        CASCADE_DEMO_SIZE: size,
        CASCADE_DATA_DIR: dataDir,
        LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const sink = createWriteStream(logFile);
  engine.stdout!.pipe(sink);
  engine.stderr!.pipe(sink);
  engine.on("exit", (code) => {
    if (code !== null && code !== 0) log(`the engine exited with code ${code} (see ${logFile})`);
  });
  return engine;
}

async function stopEngine(engine: ChildProcess): Promise<void> {
  if (engine.exitCode !== null) return;
  const exited = new Promise((resolve) => engine.once("exit", resolve));
  engine.kill("SIGTERM");
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  if (engine.exitCode === null) engine.kill("SIGKILL");
}

/** Until /v1/health answers with warm online features (a freshly loaded demo's log is replayed into Redis first). */
async function waitForEngine(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastNote = 0;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`the engine exited with code ${child.exitCode}`);
    const health = await fetch(`${url}/v1/health`)
      .then((response) => response.json() as Promise<{ status: string; onlineFeatures?: { status: string; progress?: number } }>)
      .catch(() => null);
    if (health?.status === "ok") return;
    if (Date.now() > deadline) throw new Error(`the engine at ${url} is not ready after ${timeoutMs / 1000} s (health: ${health?.status ?? "no answer"})`);
    if (Date.now() - lastNote > 30_000) {
      lastNote = Date.now();
      log(
        `waiting for the engine: ${health ? `${health.status}, online features ${health.onlineFeatures?.status} ${Math.round((health.onlineFeatures?.progress ?? 0) * 100)}%` : "not answering yet"}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

type DemoSeedRecord = { size: DemoSize | "custom"; seed: number; items: number; users: number; windowStart: string; windowEnd: string };

/** What `cascade seed --demo` recorded about the world it loaded (its audit entry), to regenerate it. */
async function readDemoSeed(url: string): Promise<DemoSeedRecord> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ after: DemoSeedRecord }>(`SELECT after FROM audit_log WHERE action = 'demo.seed' ORDER BY created_at DESC LIMIT 1`);
    if (!rows[0]) throw new Error("no demo world in this database (no demo.seed audit entry): start the engine on an empty database with CASCADE_DEMO=true");
    return rows[0].after;
  } finally {
    await client.end();
  }
}

async function analyze(url: string, tables: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const table of tables) await client.query(`ANALYZE "${table}"`);
  } finally {
    await client.end();
  }
}

function git(...args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: repoRoot, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
