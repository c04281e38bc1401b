// Scheduled retraining (`cascade schedule`): on a cadence, train candidates on the recent window,
// compare each with the active version of its slot on the same hold-out (promotionGate.ts), and
// promote it only if it is not worse by more than `margin`; otherwise it stays a registered
// candidate and the reason is stored with it (metrics.gate, notes) and in the audit log.
import {
  getActiveModelVersions,
  promoteModelVersion,
  recordModelGateDecision,
  type Database,
  type ModelGateDecision,
  type ModelRegistryActor,
  type ModelVersion,
} from "@cascade/db";
import type { ProgressReporter } from "../../telemetry/progress.ts";
import {
  compareItemToItem,
  compareRankers,
  compareTwoTowers,
  passesGate,
  retrievalBelowPopularity,
  SAMPLED_NEGATIVE_RANKER_NOT_PROMOTED,
  type GateComparison,
} from "./promotionGate.ts";
import type { TrainConfig } from "./trainConfig.ts";
import { runTrainPipeline, type TrainPipelineResult, type TrainSteps } from "./trainPipeline.ts";
import type { RegistrationResult } from "./registerTrainedModels.ts";

export type RetrainPolicy = {
  /** Relative regression tolerated: 0.01 promotes a candidate down to 1% below the active version. */
  margin: number;
  /** K of the retrieval gate's recall@K (default: the smallest of the config's evaluation ks). */
  retrievalK?: number;
};

export type RetrainOptions = {
  config: TrainConfig;
  dataDir: string;
  workDir?: string;
  /** The recent window to train on (days before the newest event); default: the config's window. */
  windowDays?: number;
  steps?: TrainSteps;
  policy: RetrainPolicy;
  actor?: ModelRegistryActor;
  progress?: ProgressReporter;
  log?: (line: string) => void;
};

export type RetrainResult = { train: TrainPipelineResult; decisions: (ModelGateDecision & { candidateId: string; candidateVersion: number })[] };

const describe = (comparison: GateComparison) =>
  `${comparison.metric} ${comparison.candidate.toFixed(4)} vs active ${comparison.active.toFixed(4)} on ${comparison.rows} held-out rows`;

export async function retrainAndGate(db: Database, options: RetrainOptions): Promise<RetrainResult> {
  const { config, policy } = options;
  const log = options.log ?? (() => undefined);
  const actor = options.actor ?? { type: "scheduler" };
  const train = await runTrainPipeline(db, {
    config,
    dataDir: options.dataDir,
    ...(options.workDir ? { workDir: options.workDir } : {}),
    window: options.windowDays ? { days: options.windowDays } : {},
    steps: options.steps ?? "all",
    promote: false,
    actor,
    ...(options.progress ? { progress: options.progress } : {}),
    log,
  });
  const active = await getActiveModelVersions(db);
  const k = policy.retrievalK ?? Math.min(...config.retrieval.evaluation.ks);
  const decisions: RetrainResult["decisions"] = [];

  const decide = async (
    slot: "retrieval" | "itemToItem" | "ranker",
    registration: RegistrationResult,
    compare: (current: ModelVersion) => Promise<GateComparison>,
  ) => {
    const candidate = registration.version;
    const current = active[slot];
    const base = { slot, activeId: current?.id ?? null, margin: policy.margin };
    let decision: ModelGateDecision;
    if (!registration.created) {
      // Same build (same data, same config) as a version already registered: nothing new to judge.
      decisions.push({
        ...base,
        metric: null,
        candidate: null,
        active: null,
        promoted: false,
        reason: `data and config unchanged since v${candidate.version} (${candidate.status})`,
        candidateId: candidate.id,
        candidateVersion: candidate.version,
      });
      log(`${slot}: v${candidate.version} unchanged, nothing to promote`);
      return;
    }
    const belowPopularity = slot === "retrieval" && train.retrievalReport ? retrievalBelowPopularity(train.retrievalReport) : null;
    const sampledRanker = slot === "ranker" && train.rankerExamples === "sampledNegatives" && !config.rankerExamples.promote;
    if (belowPopularity) {
      decision = { ...base, metric: null, candidate: null, active: null, promoted: false, reason: `kept as a candidate: ${belowPopularity}` };
    } else if (sampledRanker) {
      decision = {
        ...base,
        metric: null,
        candidate: null,
        active: null,
        promoted: false,
        reason: `kept as a candidate: ${SAMPLED_NEGATIVE_RANKER_NOT_PROMOTED}`,
      };
    } else if (!current) {
      decision = {
        ...base,
        metric: null,
        candidate: null,
        active: null,
        promoted: true,
        reason: `promoted by the scheduler: the ${slot} slot had no active version`,
      };
    } else {
      try {
        const comparison = await compare(current);
        const promoted = passesGate(comparison, policy.margin);
        decision = {
          ...base,
          metric: comparison.metric,
          candidate: comparison.candidate,
          active: comparison.active,
          promoted,
          reason: promoted
            ? `promoted by the scheduler: ${describe(comparison)} (v${current.version}), within the ${(policy.margin * 100).toFixed(1)}% margin`
            : `kept as a candidate: ${describe(comparison)} (v${current.version}) regresses by more than the ${(policy.margin * 100).toFixed(1)}% margin`,
        };
      } catch (error) {
        decision = {
          ...base,
          metric: null,
          candidate: null,
          active: null,
          promoted: false,
          reason: `kept as a candidate: could not compare with active v${current.version}: ${(error as Error).message}`,
        };
      }
    }
    await recordModelGateDecision(db, candidate.id, decision, actor);
    if (decision.promoted) await promoteModelVersion(db, candidate.id, actor);
    log(`${slot}: v${candidate.version} ${decision.reason}`);
    decisions.push({ ...decision, candidateId: candidate.id, candidateVersion: candidate.version });
  };

  if (train.twoTower) {
    const heldOutModelFile = train.files.heldOutTwoTower ?? train.twoTower.version.artifactPath;
    await decide("retrieval", train.twoTower, (current) =>
      compareTwoTowers(db, { candidate: train.twoTower!.version, heldOutModelFile, active: current, config, k }),
    );
  }
  if (train.itemToItem) {
    const heldOutModelFile = train.files.heldOutItemToItem ?? train.itemToItem.version.artifactPath;
    await decide("itemToItem", train.itemToItem, (current) =>
      compareItemToItem(db, { candidate: train.itemToItem!.version, heldOutModelFile, active: current, config, k }),
    );
  }
  if (train.ranker) {
    const trainingSetFile = train.files.trainingSet;
    await decide("ranker", train.ranker, (current) => {
      if (!trainingSetFile) throw new Error("the run kept no training set to compare on");
      return compareRankers({ candidate: train.ranker!.version, trainingSetFile, active: current });
    });
  }
  return { train, decisions };
}

/**
 * Runs `retrainAndGate` now and then every `everyMs` until `signal` aborts (a run in progress
 * finishes first; runs never overlap). A failed run is reported and the schedule goes on.
 */
export async function runRetrainSchedule(
  db: Database,
  options: RetrainOptions & { everyMs: number; signal: AbortSignal; onRun?: (result: RetrainResult | Error) => void },
): Promise<number> {
  let runs = 0;
  while (!options.signal.aborted) {
    const started = Date.now();
    try {
      options.onRun?.(await retrainAndGate(db, options));
    } catch (error) {
      options.onRun?.(error as Error);
    }
    runs += 1;
    const wait = Math.max(0, options.everyMs - (Date.now() - started));
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) return resolve();
      const timer = setTimeout(resolve, wait);
      options.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
  return runs;
}
