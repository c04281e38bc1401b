// The schedule role's periodic jobs, besides the retraining cadence (cli/scheduleCommand.ts):
// - the guardrail watcher (experiments/guardrailWatcher.ts): every minute, running experiments'
//   guardrails are analysed and a regressed variant is stopped. A pass takes a PostgreSQL advisory
//   lock, so any number of schedulers (and engines started with the watcher) check once per round;
//   engines learn of a stopped variant when they re-read the running experiments (every 10 s);
// - the feature status measurement (features/featureStatus.ts): freshness and sampled coverage per
//   feature, persisted for the console's Features page every minute. It reads the online store, so
//   a scheduler measures only a shared one (Redis): an in-process store belongs to the process
//   that writes it (`cascade start` measures its own).
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import type { Clock } from "../../platform/clock.ts";
import { featureStatus } from "../../features/featureStatus.ts";
import { GuardrailWatcher } from "../../experiments/guardrailWatcher.ts";
import type { OnlineStore } from "../../stores/onlineStore.ts";

export const FEATURE_STATUS_INTERVAL_MS = 60_000;

type Push = (name: string, stop: () => Promise<unknown>) => void;

/** Measures the features every FEATURE_STATUS_INTERVAL_MS (first after one interval); stopped through `push`. */
export function startFeatureStatusJob(push: Push, input: { db: Database; store: OnlineStore; clock: Clock; logger: Pick<Logger, "warn"> }): void {
  const { db, store, clock, logger } = input;
  const measure = () =>
    featureStatus(db, store, { persist: true, now: new Date(clock.nowMs()) }).catch((error: unknown) =>
      logger.warn({ err: error }, "feature status measurement failed"),
    );
  const timer = setInterval(() => void measure(), FEATURE_STATUS_INTERVAL_MS);
  timer.unref();
  push("feature status", async () => clearInterval(timer));
}

/** The guardrail watcher on its own (outside an engine): checks every `intervalMs` (default 60 s). */
export function startGuardrailJob(
  push: Push,
  input: { db: Database; clock: Clock; logger: Pick<Logger, "warn" | "error" | "info">; intervalMs?: number },
): GuardrailWatcher {
  const watcher = new GuardrailWatcher({
    db: input.db,
    logger: input.logger,
    clock: input.clock,
    ...(input.intervalMs === undefined ? {} : { intervalMs: input.intervalMs }),
  });
  watcher.start();
  // stop() waits for a pass in progress (its advisory lock is released with its transaction).
  push("guardrail watcher", () => watcher.stop());
  return watcher;
}
