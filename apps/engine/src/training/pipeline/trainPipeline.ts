// `cascade train`, end to end: window → data fingerprint → plan (which models, from what, why) →
// training set → two-tower → HNSW index → item-to-item → ranker → evaluation report → artifacts +
// registered versions (two_tower, item_item, ranker) → optional promotion. `steps` trains retrieval or the ranker alone;
// a window without impressions trains the ranker on sampled negatives instead of refusing. Each compute step is cached by its digest (stepCache.ts), and each version by its
// build digest, so re-running with the same config and data redoes nothing and registers nothing
// new; changing the ranker's config retrains only the ranker.
import type { EvaluationReport } from "@cascade/core";
import { promoteModelVersion, type Database, type ModelRegistryActor, type ModelVersion } from "@cascade/db";
import { join } from "node:path";
import { silentProgress, type ProgressReporter } from "../../telemetry/progress.ts";
import { RANKER_OUTPUTS } from "../../ranking/multiTaskRanker.ts";
import { storeTwoTowerArtifacts } from "../../models/twoTowerArtifacts.ts";
import { fingerprintData, resolveDataWindow, type DataFingerprint, type DataWindow } from "./dataWindow.ts";
import { stepDigest } from "./digest.ts";
import { registerBuild, registerStepFiles, type RegistrationResult } from "./registerTrainedModels.ts";
import type { TrainConfig } from "./trainConfig.ts";
import { retrievalBelowPopularity, SAMPLED_NEGATIVE_RANKER_NOT_PROMOTED } from "./promotionGate.ts";
import { formatTrainReport, itemToItemMetricsJson, rankerMetricsJson, rankingReport, twoTowerMetricsJson } from "./trainReport.ts";
import {
  ANN_INDEX_FILE,
  annIndexStep,
  HELD_OUT_ITEM_TO_ITEM_FILE,
  HELD_OUT_TWO_TOWER_FILE,
  ITEM_TO_ITEM_FILE,
  itemToItemStep,
  TRAINING_SET_FILE,
  ITEM_VECTORS_FILE,
  RANKER_ONNX_FILE,
  planRankerExamples,
  positivesLabel,
  rankerStep,
  trainingSetStep,
  TWO_TOWER_FILE,
  twoTowerStep,
  type StepContext,
  type TrainingSetOutputs,
} from "./trainSteps.ts";
import type { StepResult } from "./stepCache.ts";

/** What the two-tower version declares it reads (its towers' inputs) and produces. */
export const TWO_TOWER_FEATURES = [
  "user_id",
  "recent_items",
  "followed_creators",
  "item_id",
  "item_category",
  "item_creator",
  "item_tags",
  "item_age",
] as const;
export const TWO_TOWER_OUTPUTS = ["user_vector", "item_vector"] as const;
/** The item-to-item version reads the user's history and scores items from it. */
export const ITEM_TO_ITEM_FEATURES = ["recent_items", "consumed_items"] as const;
export const ITEM_TO_ITEM_OUTPUTS = ["item_scores"] as const;

/** Which models a run trains: `retrieval` (two-tower + HNSW, item-to-item), `ranker`, or both. */
export type TrainSteps = "retrieval" | "ranker" | "all";

export type TrainPipelineOptions = {
  config: TrainConfig;
  /** CASCADE_DATA_DIR: artifacts go to <dataDir>/models/… */
  dataDir: string;
  /** Step outputs (training set, intermediate files); default <dataDir>/train. */
  workDir?: string;
  window?: { from?: Date; to?: Date; days?: number };
  /** Default all. */
  steps?: TrainSteps;
  promote?: boolean;
  actor?: ModelRegistryActor;
  progress?: ProgressReporter;
  /** One line per finished step. */
  log?: (line: string) => void;
};

export type StepTiming = { step: string; digest: string; reused: boolean; seconds: number; computeSeconds: number };

/** What a run trained or left out, and why, one line each: the run's own account of itself. */
export type TrainPlanLine = { model: "two_tower" | "item_item" | "ranker"; trained: boolean; reason: string };

export type TrainPipelineResult = {
  window: DataWindow;
  fingerprint: DataFingerprint;
  plan: TrainPlanLine[];
  steps: StepTiming[];
  twoTower: RegistrationResult | null;
  itemToItem: RegistrationResult | null;
  ranker: RegistrationResult | null;
  promoted: ModelVersion[];
  report: string;
  totalSeconds: number;
  /** The two-tower's hold-out evaluation beside its baselines (null when retrieval was not trained). */
  retrievalReport: EvaluationReport | null;
  /** Where the ranker's examples came from (null when no ranker was trained). */
  rankerExamples: TrainingSetOutputs["examples"] | null;
  /** Step outputs a promotion gate re-scores: the held-out two-tower (with a refit), the held-out item-to-item model and the ranker's training set. */
  files: { heldOutTwoTower: string | null; heldOutItemToItem: string | null; trainingSet: string | null };
};

export async function runTrainPipeline(db: Database, options: TrainPipelineOptions): Promise<TrainPipelineResult> {
  const started = performance.now();
  const { config } = options;
  const log = options.log ?? (() => undefined);
  const progress = options.progress ?? silentProgress;
  const selected = options.steps ?? "all";
  const window = await resolveDataWindow(db, config.window, options.window);
  const fingerprint = await fingerprintData(db, new Date(window.to.getTime() + config.trainingSet.labelWindowMinutes * 60_000));
  log(
    `window ${window.from.toISOString()} → ${window.to.toISOString()} · ${fingerprint.events.count} events, ${fingerprint.items.count} items, ${fingerprint.follows.count} follows`,
  );
  const context: StepContext = { db, config, window, fingerprint, workDir: options.workDir ?? join(options.dataDir, "train"), progress };

  const plan: TrainPlanLine[] = [];
  const wantRetrieval = selected !== "ranker";
  const wantRanker = selected !== "retrieval";
  plan.push(
    wantRetrieval
      ? {
          model: "two_tower",
          trained: true,
          reason: `retrieval on positives (${positivesLabel(config.positives)})${config.retrieval.refitOnAllData ? ", validated on the newest interactions, then refitted on all of them" : ""}`,
        }
      : { model: "two_tower", trained: false, reason: "--steps ranker" },
  );
  const wantItemToItem = wantRetrieval && config.itemToItem.enabled;
  const itemToItemMethod =
    config.itemToItem.method === "auto"
      ? `EASE up to ${config.itemToItem.maxEaseItems} items with positives, item kNN above`
      : config.itemToItem.method === "ease"
        ? "EASE"
        : "item kNN";
  plan.push(
    wantItemToItem
      ? {
          model: "item_item",
          trained: true,
          reason: `item-to-item (${itemToItemMethod}) on positives (${positivesLabel(config.positives)}), validated on the two-tower's time split, then refitted on all of them`,
        }
      : { model: "item_item", trained: false, reason: wantRetrieval ? "itemToItem.enabled is false" : "--steps ranker" },
  );
  const examples = wantRanker ? await planRankerExamples(context) : null;
  if (!wantRanker) plan.push({ model: "ranker", trained: false, reason: "--steps retrieval" });
  else if (examples!.kind === "none") plan.push({ model: "ranker", trained: false, reason: examples!.reason });
  else
    plan.push({
      model: "ranker",
      trained: true,
      reason: `ranker from ${examples!.kind === "impressions" ? "logged impressions" : "sampled negatives"}: ${examples!.reason}`,
    });
  for (const line of plan) log(`${line.model}: ${line.trained ? "training" : "skipped"} — ${line.reason}`);

  const steps: StepTiming[] = [];
  const timed = async <T>(run: () => Promise<StepResult<T>>): Promise<StepResult<T>> => {
    const begin = performance.now();
    const result = await run();
    const timing = {
      step: result.step,
      digest: result.digest,
      reused: result.reused,
      seconds: (performance.now() - begin) / 1000,
      computeSeconds: result.seconds,
    };
    steps.push(timing);
    log(`${timing.step}: ${timing.reused ? `reused ${result.dir} (verified in ${timing.seconds.toFixed(1)} s)` : `done in ${timing.seconds.toFixed(1)} s`}`);
    return result;
  };

  const rankerPlan = examples && examples.kind !== "none" ? examples : null;
  const trainingSet = rankerPlan ? await timed(() => trainingSetStep(context, rankerPlan)) : null;
  const twoTower = wantRetrieval ? await timed(() => twoTowerStep(context)) : null;
  const ann = twoTower ? await timed(() => annIndexStep(context, twoTower)) : null;
  const itemToItem = wantItemToItem ? await timed(() => itemToItemStep(context)) : null;
  const ranker = trainingSet ? await timed(() => rankerStep(context, trainingSet, config.names.ranker)) : null;

  const registerBegin = performance.now();
  const windowFields = { trainingWindowStart: window.from, trainingWindowEnd: window.to };

  const twoTowerBuild = twoTower && ann ? stepDigest("two-tower-version", { twoTower: twoTower.digest, ann: ann.digest, name: config.names.twoTower }) : null;
  const twoTowerVersion =
    twoTower && ann && twoTowerBuild
      ? await registerBuild(db, {
          dataDir: options.dataDir,
          kind: "two_tower",
          buildDigest: twoTowerBuild,
          store: async (key) => {
            const stored = await storeTwoTowerArtifacts({
              dataDir: options.dataDir,
              key,
              modelFile: twoTower.files[TWO_TOWER_FILE]!.path,
              itemVectorsFile: twoTower.files[ITEM_VECTORS_FILE]!.path,
              indexFile: ann.files[ANN_INDEX_FILE]!.path,
            });
            return {
              dir: stored.dir,
              version: {
                name: config.names.twoTower,
                artifactPath: stored.artifactPath,
                artifactDigest: stored.artifactDigest,
                indexPath: stored.indexPath,
                indexDigest: stored.indexDigest,
                ...windowFields,
                features: [...TWO_TOWER_FEATURES],
                outputs: [...TWO_TOWER_OUTPUTS],
                config: {
                  ...stored.config,
                  dimensions: twoTower.outputs.dimensions,
                  itemCount: twoTower.outputs.items,
                  seed: config.seed,
                  retrieval: config.retrieval,
                  positives: config.positives,
                  ann: config.ann,
                  split: twoTower.outputs.split,
                  refit: twoTower.outputs.refit,
                  steps: { twoTower: twoTower.digest, ann: ann.digest },
                },
                metrics: twoTowerMetricsJson(twoTower.outputs.report, ann.outputs),
                notes: `cascade train: ${twoTower.outputs.interactions} interactions of ${twoTower.outputs.users} users over ${twoTower.outputs.items} items${twoTower.outputs.refit ? " (shipped model refitted on all of them)" : ""}`,
              },
            };
          },
        })
      : null;

  const itemToItemBuild = itemToItem ? stepDigest("item-to-item-version", { itemToItem: itemToItem.digest, name: config.names.itemToItem }) : null;
  const itemToItemVersion =
    itemToItem && itemToItemBuild
      ? await registerStepFiles(db, {
          dataDir: options.dataDir,
          kind: "item_item",
          buildDigest: itemToItemBuild,
          files: { [ITEM_TO_ITEM_FILE]: itemToItem.files[ITEM_TO_ITEM_FILE]!.path, "evaluation.txt": itemToItem.files["evaluation.txt"]!.path },
          artifact: ITEM_TO_ITEM_FILE,
          describe: () => {
            const out = itemToItem.outputs;
            return {
              name: config.names.itemToItem,
              ...windowFields,
              features: [...ITEM_TO_ITEM_FEATURES],
              outputs: [...ITEM_TO_ITEM_OUTPUTS],
              config: {
                method: out.method,
                methodReason: out.reason,
                itemCount: out.items,
                activeItems: out.activeItems,
                storedNeighbours: out.storedNeighbours,
                itemToItem: config.itemToItem,
                positives: config.positives,
                split: out.split,
                refit: out.split.validationInteractions > 0 ? { interactions: out.interactions, seconds: out.refitSeconds } : null,
                steps: { itemToItem: itemToItem.digest },
              },
              metrics: itemToItemMetricsJson(out),
              notes: `cascade train: ${out.method === "ease" ? "EASE" : "item kNN"} over ${out.activeItems} items (${out.reason}) from ${out.interactions} interactions of ${out.users} users; shipped model refitted on all of them`,
            };
          },
        })
      : null;

  const rankerBuild = ranker ? stepDigest("ranker-version", { ranker: ranker.digest, name: config.names.ranker }) : null;
  const rankerVersion =
    ranker && trainingSet && rankerBuild
      ? await registerStepFiles(db, {
          dataDir: options.dataDir,
          kind: "ranker",
          buildDigest: rankerBuild,
          files: { [RANKER_ONNX_FILE]: ranker.files[RANKER_ONNX_FILE]!.path, "report.txt": ranker.files["report.txt"]!.path },
          artifact: RANKER_ONNX_FILE,
          describe: () => {
            const sampled = trainingSet.outputs.examples === "sampledNegatives";
            return {
              name: config.names.ranker,
              ...windowFields,
              features: ranker.outputs.featureNames,
              outputs: [...RANKER_OUTPUTS],
              config: {
                seed: config.seed,
                ranker: config.ranker,
                trainingSet: { ...config.trainingSet, ...trainingSet.outputs },
                ...(sampled ? { rankerExamples: config.rankerExamples, positives: config.positives } : {}),
                split: ranker.outputs.split,
                ips: ranker.outputs.ips,
                steps: { trainingSet: trainingSet.digest, ranker: ranker.digest },
              },
              metrics: rankerMetricsJson(ranker.outputs),
              notes: sampled
                ? `cascade train: ${ranker.outputs.split.trainRows} training / ${ranker.outputs.split.validationRows} validation examples (positives with sampled negatives; no impressions in the window)`
                : `cascade train: ${ranker.outputs.split.trainRows} training / ${ranker.outputs.split.validationRows} validation impressions`,
            };
          },
        })
      : null;
  const registrations = [twoTowerVersion, itemToItemVersion, rankerVersion].filter((r): r is RegistrationResult => r !== null);
  steps.push({
    step: "register",
    digest: [twoTowerBuild, itemToItemBuild, rankerBuild]
      .filter((d): d is string => d !== null)
      .map((d) => d.slice(0, 16))
      .join("+"),
    reused: registrations.every((r) => !r.created),
    seconds: (performance.now() - registerBegin) / 1000,
    computeSeconds: 0,
  });
  for (const registration of registrations) {
    const v = registration.version;
    log(`${v.kind}: ${registration.created ? "registered" : "already registered"} v${v.version} (${v.id}, ${v.status})`);
  }

  const promoted: ModelVersion[] = [];
  if (options.promote) {
    const blocked = twoTower ? retrievalBelowPopularity(twoTower.outputs.report) : null;
    const sampledRanker = trainingSet?.outputs.examples === "sampledNegatives" && !config.rankerExamples.promote;
    for (const registration of registrations) {
      if (blocked && registration === twoTowerVersion) {
        const reason = `not promoted: ${blocked} (serving from it would be worse than no retrieval model; cascade models promote ${registration.version.id} overrides)`;
        plan.push({ model: "two_tower", trained: true, reason });
        log(`two_tower v${registration.version.version} ${reason}`);
        continue;
      }
      if (sampledRanker && registration === rankerVersion) {
        const reason = `not promoted: ${SAMPLED_NEGATIVE_RANKER_NOT_PROMOTED} (cascade models promote ${registration.version.id} overrides)`;
        plan.push({ model: "ranker", trained: true, reason });
        log(`ranker v${registration.version.version} ${reason}`);
        continue;
      }
      const result = await promoteModelVersion(db, registration.version.id, options.actor ?? { type: "cli" });
      registration.version = result.promoted;
      promoted.push(result.promoted);
      log(
        `promoted ${result.promoted.kind} v${result.promoted.version} (${result.promoted.id})${result.retired ? `, retired v${result.retired.version}` : ""}`,
      );
    }
  }

  const report = formatTrainReport({
    plan,
    retrieval: twoTower?.outputs.report ?? null,
    ann: ann?.outputs ?? null,
    itemToItem: itemToItem?.outputs.report ?? null,
    ranking: ranker ? rankingReport(ranker.outputs) : null,
    rankerNotes: ranker ? ranker.outputs.report.split("\n").slice(-2) : [],
  });
  const files = {
    heldOutTwoTower: twoTower?.files[HELD_OUT_TWO_TOWER_FILE]?.path ?? null,
    heldOutItemToItem: itemToItem?.files[HELD_OUT_ITEM_TO_ITEM_FILE]?.path ?? null,
    trainingSet: trainingSet?.files[TRAINING_SET_FILE]?.path ?? null,
  };
  return {
    window,
    fingerprint,
    plan,
    steps,
    twoTower: twoTowerVersion,
    itemToItem: itemToItemVersion,
    ranker: rankerVersion,
    promoted,
    report,
    totalSeconds: (performance.now() - started) / 1000,
    files,
    retrievalReport: twoTower?.outputs.report ?? null,
    rankerExamples: trainingSet?.outputs.examples ?? null,
  };
}
