// `cascade eval --protocol time`'s served-funnel table: what the engine would have served, judged
// on what happened next. T = the end of the active retrieval models' training windows (the earliest
// of them); every sampled user with positives after T gets the page the funnel would have served
// at T (replay/feedReplay.ts: features, lists and history as of T, the active models, exploration
// as served), scored on those later positives beside popularity and co-occurrence fitted on the
// positives before T — the same users, metrics and masks. Nothing after T reaches the replay, so
// this is out of sample for the funnel as a whole (sources, fusion, rules), not only for one model.
import { evaluateRecommenders, fitCoOccurrence, fitPopularity, type EvaluationReport, type NamedRecommender } from "@cascade/core";
import type { Database, ModelVersion } from "@cascade/db";
import type { Logger } from "pino";
import type { ProgressReporter } from "../telemetry/progress.ts";
import { toInteractionLog } from "../training/pipeline/benchmarkProtocol.ts";
import { newestEventTime } from "../training/dataset/eventLog.ts";
import { evenlySpacedTestUsers, storedPositives, windowOf } from "../training/pipeline/evaluateVersion.ts";
import { splitByTime } from "../training/retrieval/interactions.ts";
import { loadRetrievalData } from "../training/retrieval/retrievalTraining.ts";
import type { ServingModels } from "../serving/servingStack.ts";
import { FeedReplay } from "./feedReplay.ts";
import { replayedRecommender, replayPages, type ReplayedPages } from "./replayedPages.ts";

export const SERVED_FUNNEL_ROW = "served funnel (replay)";

export type ServedFunnelEvaluation =
  { report: EvaluationReport; testPeriod: { from: string; to: string }; users: number; degradedPages: number } | { skipped: string };

export async function evaluateServedFunnelAfterWindow(
  base: { db: Database; logger: Logger },
  versions: readonly ModelVersion[],
  options: { models: ServingModels; surface?: string; ks?: number[]; maxUsers?: number; progress?: ProgressReporter },
): Promise<ServedFunnelEvaluation> {
  const retrieval = versions.filter((version) => version.kind === "two_tower" || version.kind === "item_item");
  if (retrieval.length === 0) return { skipped: "no active retrieval model (two-tower or item-to-item) to date the replay by" };
  const windows = retrieval.map(windowOf);
  const asOfMs = Math.min(...windows.map((window) => window.to.getTime()));
  const from = new Date(Math.min(...windows.map((window) => window.from.getTime())));
  const now = await newestEventTime(base.db);
  const positives = storedPositives(retrieval[0]!);
  const data = await loadRetrievalData(base.db, { from, to: now }, positives ? { positives } : {});
  const { train, validation: test } = splitByTime(data.interactions, asOfMs);
  if (test.count === 0)
    return { skipped: `nothing has happened since the models' training window ended (${new Date(asOfMs).toISOString()}): no out-of-sample period to replay` };

  const users = data.userIds.length;
  const items = data.itemIds.length;
  const sample = evenlySpacedTestUsers(test, users, options.maxUsers ?? 2_000);
  const picks = sample.length;

  const ks = options.ks ?? [10, 100];
  const surface = options.surface ?? "home";
  const replay = await FeedReplay.create(base, { asOfMs, models: options.models, ...(options.progress ? { progress: options.progress } : {}) });
  let replayed: ReplayedPages;
  try {
    replayed = await replayPages(
      replay,
      data,
      [...sample],
      { surface, count: Math.min(200, Math.max(...ks)) },
      { concurrency: 1, label: `${SERVED_FUNNEL_ROW} as of ${new Date(asOfMs).toISOString()}`, ...(options.progress ? { progress: options.progress } : {}) },
    );
  } finally {
    await replay.close();
  }
  const served: NamedRecommender = { name: SERVED_FUNNEL_ROW, fit: () => replayedRecommender(replayed) };
  const evaluation = evaluateRecommenders({
    train: toInteractionLog(train, users, items),
    test: toInteractionLog(test, users, items),
    recommenders: [served, { name: "popularity", fit: fitPopularity }, { name: "coOccurrence", fit: (log) => fitCoOccurrence(log) }],
    ks,
    users: sample,
    title: `served funnel, surface ${surface}, replayed as of ${new Date(asOfMs).toISOString()} (the active models' training window end) and scored on what happened next: ${train.count} earlier / ${test.count} later positives, ${picks} users`,
  });
  return {
    report: evaluation.report,
    testPeriod: { from: new Date(asOfMs).toISOString(), to: now.toISOString() },
    users: picks,
    degradedPages: replayed.degraded,
  };
}
