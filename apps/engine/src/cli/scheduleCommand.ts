// `cascade schedule [--every 24h] [--once] [--window-days N] [--margin 0.01] [--steps …] [--config FILE] [--positive SPEC] [--json]`:
// retrains on a cadence over the recent window and promotes a candidate only when it does not
// regress against the active version on the same hold-out (training/pipeline/retrainSchedule.ts). Each
// decision is printed, stored with the candidate (metrics.gate) and written to the audit log.
import type { Command } from "commander";
import { createPrismaClient } from "@cascade/db";
import { retrainAndGate, runRetrainSchedule, type RetrainOptions, type RetrainResult } from "../training/pipeline/retrainSchedule.ts";
import type { TrainSteps } from "../training/pipeline/trainPipeline.ts";
import type { TrainConfig } from "../training/pipeline/trainConfig.ts";
import { positiveNumber, type DatabaseRunner } from "./commandOptions.ts";
import { createProgressReporter } from "../telemetry/progress.ts";
import { loadTrainConfig, positiveOption } from "./trainCommand.ts";

export type ScheduleCommandOptions = {
  every: number;
  once?: boolean;
  windowDays?: number;
  margin: number;
  steps: TrainSteps;
  config?: string;
  positive?: TrainConfig["positives"];
  json?: boolean;
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

export async function runScheduleCommand(
  databaseUrl: string,
  dataDir: string,
  options: ScheduleCommandOptions,
  io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const config = await loadTrainConfig(options);
  const db = createPrismaClient(databaseUrl, { poolSize: 2 });
  const retrain: RetrainOptions = {
    config,
    dataDir,
    ...(options.windowDays ? { windowDays: options.windowDays } : {}),
    steps: options.steps,
    policy: { margin: options.margin },
    actor: { type: "scheduler", id: process.env.USER ?? null },
    progress: createProgressReporter(),
    log: (line) => io.stderr.write(`schedule: ${line}\n`),
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
    const stop = () => controller.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    io.stderr.write(`schedule: retraining every ${options.every / 3_600_000} h (Ctrl-C stops after the current run)\n`);
    try {
      return await runRetrainSchedule(db, { ...retrain, everyMs: options.every, signal: controller.signal, onRun: report });
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  } finally {
    await db.$disconnect();
  }
}

/** Adds `schedule` to the CLI. */
export function addScheduleCommand(program: Command, withDatabase: DatabaseRunner, dataDir: () => string): void {
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
    .action(async (options: ScheduleCommandOptions) => {
      await withDatabase((databaseUrl) => runScheduleCommand(databaseUrl, dataDir(), options));
    });
}
