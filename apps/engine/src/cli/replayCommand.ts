// `cascade replay --user U [--user V …] [--as-of ISO] [--surface home] [--count 10] [--no-exploration]
//   [--config FILE] [--json]`
// The page the engine would have served each user at business time T (default: just after the
// newest event), computed by the engine's own serving code with every input as of T
// (replay/feedReplay.ts) and the registry's active models. Prints each item with its score and
// the sources that found it (rank in each), and the degraded causes if any.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { surfaceConfigSchema, type SurfaceConfig } from "@cascade/core";
import { createPrismaClient } from "@cascade/db";
import { withActiveModelsReplay, type ReplayedFeed } from "../replay/feedReplay.ts";
import { isoDate, type DatabaseRunner } from "./commandOptions.ts";
import { createProgressReporter, type ProgressReporter } from "../telemetry/progress.ts";

export type ReplayCommandOptions = { user: string[]; asOf?: Date; surface: string; count: number; exploration: boolean; config?: string; json?: boolean };

async function readConfig(path: string): Promise<SurfaceConfig> {
  const parsed = surfaceConfigSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) throw new Error(`--config ${path}: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
  return parsed.data;
}

function describe(userId: string, feed: ReplayedFeed): string {
  const lines = [`${userId}: ${feed.response.items.length} items${feed.response.degraded ? " (degraded)" : ""}`];
  const explored = new Set((feed.trace?.served ?? []).filter((served) => served.slot === "explore").map((served) => served.itemId));
  for (const item of feed.response.items) {
    const sources = item.sources.map((hit) => `${hit.id}#${hit.rank}`).join(" ");
    const policy = explored.has(item.itemId)
      ? `  explored, propensity ${item.propensity.toFixed(3)}`
      : item.propensity < 1
        ? `  propensity ${item.propensity.toFixed(3)}`
        : "";
    lines.push(`  ${String(item.position + 1).padStart(2)}. ${item.itemId.padEnd(28)} ${item.score.toFixed(4)}  ${sources}${policy}`);
  }
  for (const cause of feed.response.degradedCauses ?? []) lines.push(`  degraded: ${cause.component}: ${cause.reason}`);
  return lines.join("\n");
}

export async function runReplayCommand(
  databaseUrl: string,
  options: ReplayCommandOptions,
  io: { stdout: NodeJS.WritableStream; progress: ProgressReporter } = { stdout: process.stdout, progress: createProgressReporter() },
): Promise<Map<string, ReplayedFeed>> {
  const db = createPrismaClient(databaseUrl, { poolSize: 4 });
  try {
    const config = options.config ? await readConfig(options.config) : undefined;
    return await withActiveModelsReplay(db, { ...(options.asOf ? { asOfMs: options.asOf.getTime() } : {}), progress: io.progress }, async (replay) => {
      const feeds = new Map<string, ReplayedFeed>();
      for (const userId of options.user)
        feeds.set(
          userId,
          await replay.feed({ userId, surface: options.surface, count: options.count, exploration: options.exploration, ...(config ? { config } : {}) }),
        );
      const asOf = new Date(replay.asOfMs).toISOString();
      if (options.json)
        io.stdout.write(
          JSON.stringify(
            {
              asOf,
              surface: options.surface,
              eventsReplayed: replay.eventsReplayed,
              feeds: Object.fromEntries([...feeds].map(([userId, feed]) => [userId, feed.response])),
            },
            null,
            2,
          ) + "\n",
        );
      else
        io.stdout.write(
          [
            `surface ${options.surface} as of ${asOf} (features from ${replay.eventsReplayed} events)`,
            ...[...feeds].map(([userId, feed]) => describe(userId, feed)),
          ].join("\n") + "\n",
        );
      return feeds;
    });
  } finally {
    await db.$disconnect();
  }
}

function countOption(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 200) throw new Error("--count must be an integer from 1 to 200");
  return parsed;
}

export function addReplayCommand(program: Command, withDatabase: DatabaseRunner): void {
  program
    .command("replay")
    .description("the page the engine would have served a user at business time T, by the engine's own serving code with features and lists as of T")
    .requiredOption("--user <id>", "user id (repeat for several)", (value: string, previous: string[] = []) => [...previous, value])
    .option("--as-of <time>", "business time T, ISO-8601 (default: just after the newest event)", isoDate)
    .option("--surface <id>", "surface", "home")
    .option("--count <n>", "page size", countOption, 10)
    .option("--no-exploration", "switch the surface's exploration off (a deterministic page)")
    .option("--config <file>", "replay this SurfaceConfig JSON instead of the published one (e.g. cascade tune-fusion --out)")
    .option("--json", "print JSON")
    .action(async (options: ReplayCommandOptions) => {
      await withDatabase((databaseUrl) => runReplayCommand(databaseUrl, options));
    });
}
