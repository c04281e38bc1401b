// `cascade tune-fusion --holdout FILE [--surface home] [--positive any] [--id-prefix P] [--max-users N]
//   [--publish | --draft] [--out FILE] [--json]`
// Fits the surface's retrieval-prior fusion (per-source weights and k, and the score weights of the
// item-to-item and two-tower scores; ranking/retrievalPriorScorer.ts)
// on held-out interactions: positives that happened after what the database holds (e.g. a
// benchmark's validation file, or the next days' log before importing it). Every held-out user's
// feed is replayed through the engine's serving code as of the newest event (replay/feedReplay.ts,
// active models, exploration off), the fusion is fitted on the candidates the funnel kept
// (replay/fusionTuning.ts), and the tuned surface is replayed again to report served recall and
// NDCG before and after. The tuned config is saved as the surface's draft (review it on the Rules
// page, dry-run it in the feed debugger) or, with --publish, published as a new rule-set version —
// only when it serves the held-out users better than the current one (else nothing is written).
// Held-out pairs already in the event log are refused: models trained on them would be tuned on
// what they saw.
import { writeFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import { ndcgAtK, parsePositiveSpec, recallAtK, type SurfaceConfig } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import { publishRuleSet, saveDraft } from "@cascade/db/ruleSets";
import { catalogIdMapping, positivePairs, readInteractionFile, type IdStyle } from "../training/pipeline/benchmarkFiles.ts";
import { withActiveModelsReplay, type FeedReplay } from "../replay/feedReplay.ts";
import { fitFusion, type Fusion, type FusionExample, type FusionFit } from "../replay/fusionTuning.ts";
import { ITEM_TO_ITEM_SOURCE_ID } from "../sources/itemToItemSource.ts";
import { ANN_SOURCE_ID } from "../sources/twoTowerSource.ts";
import type { DatabaseRunner } from "./commandOptions.ts";
import { createProgressReporter, type ProgressReporter } from "../telemetry/progress.ts";

export type TuneFusionOptions = {
  holdout: string;
  surface: string;
  positive: string;
  idPrefix: string;
  /** Default movielens. */
  idStyle?: IdStyle;
  maxUsers: number;
  publish?: boolean;
  draft?: boolean;
  out?: string;
  json?: boolean;
};

/** Served quality of a config on the held-out users (pages of `cutoff`, exploration off). */
export type ServedQuality = { recall: number; ndcg: number; users: number };

export type TuneFusionResult = {
  surface: string;
  asOf: string;
  users: number;
  heldOutPairs: number;
  fit: FusionFit;
  before: ServedQuality;
  after: ServedQuality;
  config: SurfaceConfig;
  /** The draft or published version written, or "kept": the tuned fusion served no better, nothing was written. */
  saved: { as: "draft" | "published"; version: number } | { as: "kept" };
};

const CUTOFF = 10;

async function heldOutInEventLog(db: Database, pairs: readonly { userId: string; itemId: string }[]): Promise<number> {
  const [row] = await db.$queryRaw<{ count: bigint }[]>`
    SELECT count(*) AS count FROM (SELECT DISTINCT e.user_id, e.item_id FROM events e
      JOIN unnest(${pairs.map((pair) => pair.userId)}::text[], ${pairs.map((pair) => pair.itemId)}::text[]) AS h(user_id, item_id)
        ON e.user_id = h.user_id AND e.item_id = h.item_id) AS found`;
  return Number(row?.count ?? 0n);
}

/** The sources whose scores the fit may weigh: item-to-item (the leader of the score fusion's start) and the two-tower, when the config lists them. */
function scoreSourcesOf(config: SurfaceConfig): string[] {
  return [ITEM_TO_ITEM_SOURCE_ID, ANN_SOURCE_ID].filter((id) => config.sources.some((source) => source.enabled && source.id === id));
}

/** The config with every score source listed in its score weights (0 where absent): same order, but the replay records the two-tower score of every candidate. */
function withScoresRecorded(config: SurfaceConfig): SurfaceConfig {
  const scoreWeights = { ...config.fusion.scoreWeights };
  for (const id of scoreSourcesOf(config)) scoreWeights[id] ??= 0;
  return { ...config, fusion: { ...config.fusion, scoreWeights } };
}

function withFusion(config: SurfaceConfig, fit: FusionFit): SurfaceConfig {
  const scoreWeights = Object.fromEntries(Object.entries(fit.fusion.scoreWeights ?? {}).filter(([, weight]) => weight > 0));
  return {
    ...config,
    fusion: Object.keys(scoreWeights).length > 0 ? { k: fit.fusion.k, scoreWeights } : { k: fit.fusion.k },
    sources: config.sources.map((source) => ({ ...source, weight: fit.fusion.weights[source.id] ?? source.weight })),
  };
}

async function servedQuality(
  replay: FeedReplay,
  surface: string,
  config: SurfaceConfig,
  heldOut: Map<string, Set<string>>,
  progress: ProgressReporter,
  label: string,
): Promise<{ quality: ServedQuality; examples: FusionExample[] }> {
  const examples: FusionExample[] = [];
  let recall = 0;
  let ndcg = 0;
  progress.start(label, heldOut.size);
  try {
    for (const [userId, items] of heldOut) {
      const { response, trace } = await replay.feed({ userId, surface, count: CUTOFF, exploration: false, config });
      const relevant = { size: items.size, has: (index: number) => items.has(response.items[index]?.itemId ?? "") };
      const positions = response.items.map((_, index) => index);
      recall += recallAtK(positions, relevant, CUTOFF);
      ndcg += ndcgAtK(positions, relevant, CUTOFF);
      const ranked = trace?.ranked ?? [];
      const candidates = ranked.map((itemId) => {
        const traced = trace?.candidates?.[itemId];
        return { hits: (traced?.sources ?? []).map((hit) => ({ source: hit.id, rank: hit.rank, score: hit.score })), scores: traced?.scores };
      });
      const hitIndices = new Set(ranked.flatMap((itemId, index) => (items.has(itemId) ? [index] : [])));
      examples.push({ candidates, relevant: hitIndices, relevantTotal: items.size });
      progress.increment();
    }
  } finally {
    progress.stop();
  }
  const users = Math.max(1, heldOut.size);
  return { quality: { recall: recall / users, ndcg: ndcg / users, users: heldOut.size }, examples };
}

export async function runTuneFusionCommand(
  databaseUrl: string,
  options: TuneFusionOptions,
  io: { stdout: NodeJS.WritableStream; progress: ProgressReporter } = { stdout: process.stdout, progress: createProgressReporter() },
): Promise<TuneFusionResult> {
  if (options.publish && options.draft) throw new Error("pass either --publish or --draft, not both");
  const rule = parsePositiveSpec(options.positive);
  const pairs = positivePairs(await readInteractionFile(options.holdout), rule, catalogIdMapping(options.idPrefix, options.idStyle ?? "movielens"));
  if (pairs.length === 0) throw new Error(`--holdout ${options.holdout}: no positive interactions (${options.positive})`);
  const db = createPrismaClient(databaseUrl, { poolSize: 4 });
  try {
    const leaked = await heldOutInEventLog(db, pairs);
    if (leaked > 0)
      throw new Error(
        `--holdout: ${leaked} of its (user, item) pairs are already in the event log; hold out interactions the database (and so the models) has not seen`,
      );
    const heldOut = new Map<string, Set<string>>();
    for (const pair of pairs) {
      let items = heldOut.get(pair.userId);
      if (!items) heldOut.set(pair.userId, (items = new Set()));
      items.add(pair.itemId);
    }
    // The first users in id order (deterministic); a cap keeps a large hold-out's replay bounded.
    const users = new Map([...heldOut].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, options.maxUsers));

    const { asOfMs, before, fit, config, after } = await withActiveModelsReplay(db, { progress: io.progress }, async (replay) => {
      const published = replay.configFor(options.surface);
      const current = await servedQuality(replay, options.surface, withScoresRecorded(published), users, io.progress, "replay with the current fusion");
      const start: Fusion = {
        k: published.fusion.k,
        weights: Object.fromEntries(published.sources.map((source) => [source.id, source.weight])),
        ...(published.fusion.scoreWeights ? { scoreWeights: published.fusion.scoreWeights } : {}),
      };
      const fitted = fitFusion(current.examples, start, { cutoff: CUTOFF, scoreSources: scoreSourcesOf(published) });
      const tuned = withFusion(published, fitted);
      const tunedQuality = await servedQuality(replay, options.surface, tuned, users, io.progress, "replay with the tuned fusion");
      return { asOfMs: replay.asOfMs, before: current, fit: fitted, config: tuned, after: tunedQuality };
    });

    const note = `cascade tune-fusion on ${users.size} held-out users (${options.holdout}): served NDCG@${CUTOFF} ${before.quality.ndcg.toFixed(4)} → ${after.quality.ndcg.toFixed(4)}, recall@${CUTOFF} ${before.quality.recall.toFixed(4)} → ${after.quality.recall.toFixed(4)}`;
    // The fit ranks the filtered candidates; rules act afterwards. A fusion that serves no better
    // once they have (the served NDCG, the number the fit aims at) is not saved.
    let saved: TuneFusionResult["saved"] = { as: "kept" };
    if (after.quality.ndcg > before.quality.ndcg) {
      await db.surface.upsert({
        where: { id: options.surface },
        create: { id: options.surface, name: options.surface, description: "created by cascade tune-fusion" },
        update: {},
      });
      const actor = { type: "cli", id: null };
      saved = options.publish
        ? { as: "published", version: (await publishRuleSet(db, { surfaceId: options.surface, config, note }, actor)).ruleSet.version }
        : { as: "draft", version: (await saveDraft(db, { surfaceId: options.surface, config, note }, actor)).version };
    }
    if (options.out) await writeFile(options.out, JSON.stringify(config, null, 2) + "\n");

    const result: TuneFusionResult = {
      surface: options.surface,
      asOf: new Date(asOfMs).toISOString(),
      users: users.size,
      heldOutPairs: pairs.length,
      fit,
      before: before.quality,
      after: after.quality,
      config,
      saved,
    };
    if (options.json) io.stdout.write(JSON.stringify(result, null, 2) + "\n");
    else {
      const weights = (fusion: Fusion) =>
        `k=${fusion.k} ${Object.entries(fusion.weights)
          .map(([id, weight]) => `${id}=${weight}`)
          .join(" ")}${Object.entries(fusion.scoreWeights ?? {})
          .map(([id, weight]) => ` score.${id}=${weight}`)
          .join("")}`;
      io.stdout.write(
        [
          `surface ${options.surface}, as of ${result.asOf}: ${users.size} held-out users, ${pairs.length} held-out positives`,
          `fusion before: ${weights(fit.start.fusion)} (candidate NDCG@${CUTOFF} ${fit.start.ndcg.toFixed(4)})`,
          `fusion tuned:  ${weights(fit.fusion)} (candidate NDCG@${CUTOFF} ${fit.ndcg.toFixed(4)}, ${fit.trials} trials)`,
          `served (replayed, rules applied, exploration off): recall@${CUTOFF} ${before.quality.recall.toFixed(4)} → ${after.quality.recall.toFixed(4)} · NDCG@${CUTOFF} ${before.quality.ndcg.toFixed(4)} → ${after.quality.ndcg.toFixed(4)} (on the tuning users themselves: a validation score, not a test score)`,
          saved.as === "published"
            ? `published as rule set version ${saved.version} of ${options.surface}`
            : saved.as === "draft"
              ? `saved as the draft (version ${saved.version}) of ${options.surface}: review it on the Rules page, then publish`
              : `kept the current fusion of ${options.surface}: the tuned one serves no better on the held-out users (nothing written)`,
          ...(options.out ? [`config: ${options.out}`] : []),
        ].join("\n") + "\n",
      );
    }
    return result;
  } finally {
    await db.$disconnect();
  }
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error("--max-users must be a positive integer");
  return parsed;
}

export function addTuneFusionCommand(program: Command, withDatabase: DatabaseRunner): void {
  program
    .command("tune-fusion")
    .description(
      "fit a surface's retrieval-prior fusion (per-source weights, k) on held-out interactions by replaying the served funnel; saves a draft (or --publish)",
    )
    .requiredOption("--holdout <file>", "held-out interactions the database has not seen (RecBole .inter, CSV/TSV with user/item columns)")
    .option("--surface <id>", "the surface to tune", "home")
    .option("--positive <rule>", 'which held-out rows count: "any" or e.g. "rating>=8" (0–10 scale)', "any")
    .option("--id-prefix <prefix>", "how the file's ids map onto the catalogue: the importer's prefix (\"\" = unchanged)", "ml")
    .addOption(
      new Option("--id-style <style>", "which importer named the ids: movielens (P-movie-1) or recbole (P-item-1)")
        .choices(["movielens", "recbole"])
        .default("movielens"),
    )
    .option("--max-users <n>", "replay at most this many held-out users (the first in id order)", positiveInteger, 2_000)
    .addOption(new Option("--publish", "publish the tuned config as a new rule-set version").conflicts("draft"))
    .option("--draft", "save the tuned config as the surface's draft (the default)")
    .option("--out <file>", "also write the tuned config to this JSON file")
    .option("--json", "print JSON")
    .action(async (options: TuneFusionOptions) => {
      await withDatabase((databaseUrl) => runTuneFusionCommand(databaseUrl, options));
    });
}
