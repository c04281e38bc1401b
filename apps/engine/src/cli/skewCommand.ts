// `cascade skew [--from <date>] [--to <date>] [--threshold 0.01] [--json]`: recomputes the logged
// served feature vectors offline (jobs/skewReport.ts), stores the report in skew_reports and prints
// a per-feature table (or the report as JSON). Exits non-zero when a feature is flagged, so CI or a
// scheduler can alert on it.
import type { Command } from "commander";
import { createPrismaClient } from "@cascade/db";
import { computeSkewReport, DEFAULT_SKEW_THRESHOLD, type SkewReport } from "../jobs/skewReport.ts";
import { isoDate, rate, type DatabaseRunner } from "./commandOptions.ts";
import { createProgressReporter, type ProgressReporter } from "../telemetry/progress.ts";

export type SkewCommandOptions = { from?: Date; to?: Date; threshold: number; json?: boolean };

const DAY_MS = 24 * 3_600_000;

export async function runSkewCommand(
  databaseUrl: string,
  options: SkewCommandOptions,
  io: { stdout: NodeJS.WritableStream; progress: ProgressReporter } = { stdout: process.stdout, progress: createProgressReporter() },
): Promise<SkewReport> {
  const to = options.to ?? new Date();
  const from = options.from ?? new Date(to.getTime() - DAY_MS);
  const db = createPrismaClient(databaseUrl);
  try {
    const report = await computeSkewReport(db, { from, to, threshold: options.threshold, progress: io.progress });
    io.stdout.write(options.json ? JSON.stringify(report, null, 2) + "\n" : formatSkewReport(report));
    return report;
  } finally {
    await db.$disconnect();
  }
}

/** A fixed-width table, one line per compared feature, flagged ones marked. */
export function formatSkewReport(report: SkewReport): string {
  const header = ["feature", "compared", "mismatch rate", "mean |Δ|", "max |Δ|", ""];
  const rows = Object.entries(report.features)
    .sort(([a, x], [b, y]) => y.mismatchRate - x.mismatchRate || (a < b ? -1 : 1))
    .map(([name, skew]) => [
      name,
      String(skew.compared),
      `${(100 * skew.mismatchRate).toFixed(2)} %`,
      formatNumber(skew.meanAbsDiff),
      formatNumber(skew.maxAbsDiff),
      skew.flagged ? "SKEW" : "ok",
    ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join("  ")
      .trimEnd();
  const lines = [
    `skew report ${report.id ?? "(not stored)"}: ${report.windowStart.toISOString()} → ${report.windowEnd.toISOString()}, ${report.sampleSize} served rows, threshold ${(100 * report.threshold).toFixed(2)} %`,
    "",
    line(header),
    ...rows.map(line),
    "",
    report.sampleSize === 0
      ? "no served feature vectors were logged in this window"
      : report.flagged
        ? `SKEW in ${rows.filter((row) => row[5] === "SKEW").length} feature(s)`
        : "no skew: served and recomputed features agree",
  ];
  if (report.unknownFeatures.length > 0) lines.push(`served features the registry no longer defines: ${report.unknownFeatures.join(", ")}`);
  return lines.join("\n") + "\n";
}

function formatNumber(value: number): string {
  return value === 0 ? "0" : Math.abs(value) >= 0.01 && Math.abs(value) < 1e6 ? value.toFixed(4) : value.toExponential(2);
}

/** Adds `skew` to the CLI; `withDatabase` runs the action against the resolved database. */
export function addSkewCommand(program: Command, withDatabase: DatabaseRunner): void {
  program
    .command("skew")
    .description("compare logged served feature vectors with their offline recomputation (train/serve skew)")
    .option("--from <date>", "window start (default: 24 h before --to)", isoDate)
    .option("--to <date>", "window end (default: now)", isoDate)
    .option("--threshold <rate>", "flag a feature whose mismatch rate exceeds this (0–1)", rate, DEFAULT_SKEW_THRESHOLD)
    .option("--json", "print the report as JSON")
    .action(async (options: SkewCommandOptions) => {
      const report = await withDatabase((databaseUrl) => runSkewCommand(databaseUrl, options));
      if (report.flagged) process.exitCode = 2;
    });
}
