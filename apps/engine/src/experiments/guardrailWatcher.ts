// Guardrails that act: every minute (by default) each running experiment that names guardrails is
// analysed (analyzeExperiment: the always-valid mSPRT p-value, so looking this often keeps its
// false-alarm rate at alpha), and a treatment whose guardrail reads "regressed" is stopped through
// the lifecycle (stopVariant: its users get the published config, the reason — metric, lift,
// threshold, p — is kept on the variant and in the audit log, and the console shows it). When no
// treatment is left the experiment stops.
//
// Several replicas run the watcher; a pass first takes a PostgreSQL advisory lock (without
// waiting), so one replica analyses at a time and the others skip that round — the analysis costs
// ~1 s per 100k exposed units per experiment. stopVariant's guarded update also makes a racing
// stop read "already stopped", which is not an error here.
import type { Database } from "@cascade/db";
import { ExperimentChangeRefused, guardrailsOf, listExperiments, stopVariant, type ExperimentActor } from "@cascade/db/experiments";
import type { Logger } from "pino";
import type { Clock } from "../platform/clock.ts";
import { analyzeExperiment } from "./experimentAnalysis.ts";

export const GUARDRAIL_ACTOR: ExperimentActor = { type: "system", id: "guardrail-watcher" };

/** pg advisory lock key of the guardrail pass (any constant unique to it). */
const GUARDRAIL_LOCK_KEY = 0x6361_7363_6764; // "cascgd"

export type GuardrailStop = { experiment: string; variant: string; metric: string; reason: string };

export type GuardrailWatcherOptions = {
  db: Database;
  logger: Pick<Logger, "warn" | "error" | "info">;
  clock: Clock;
  /** How often running experiments are checked, ms (default 60 s; 0: only by check()). */
  intervalMs?: number;
  /** Called after a variant was stopped (the engine re-reads its running experiments at once). */
  onStopped?: () => Promise<void>;
};

export class GuardrailWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<GuardrailStop[]> | null = null;

  constructor(private readonly options: GuardrailWatcherOptions) {}

  start(): void {
    const every = this.options.intervalMs ?? 60_000;
    if (every <= 0) return;
    this.timer = setInterval(() => {
      this.check().catch((error: unknown) => this.options.logger.warn({ err: error }, "guardrail check failed; trying again next interval"));
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass over the running experiments; returns the variants it stopped. Overlapping calls share one pass. */
  check(): Promise<GuardrailStop[]> {
    this.running ??= this.pass().finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<GuardrailStop[]> {
    const { db } = this.options;
    // Transaction-scoped: released however the pass ends. The pass runs inside that transaction's
    // lifetime only for the lock; its reads and writes use the pool as usual.
    return db.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${GUARDRAIL_LOCK_KEY}::bigint) AS locked`;
        if (!row?.locked) return []; // another replica is checking
        return this.analyseRunning();
      },
      { timeout: 10 * 60_000, maxWait: 10_000 },
    );
  }

  private async analyseRunning(): Promise<GuardrailStop[]> {
    const { db, logger, clock } = this.options;
    const stops: GuardrailStop[] = [];
    for (const experiment of await listExperiments(db, { status: "running" })) {
      if (guardrailsOf(experiment).length === 0) continue;
      const results = await analyzeExperiment(db, experiment, { nowMs: clock.nowMs() });
      const stopped = new Set(experiment.variants.filter((variant) => variant.stoppedAt).map((variant) => variant.key));
      for (const guardrail of results.guardrails) {
        for (const state of guardrail.variants) {
          if (state.state !== "regressed" || stopped.has(state.variant)) continue;
          const reason = `guardrail ${guardrail.metric} regressed: ${state.detail}`;
          try {
            await stopVariant(db, experiment.id, state.variant, reason, GUARDRAIL_ACTOR);
            stopped.add(state.variant);
            stops.push({ experiment: experiment.key, variant: state.variant, metric: guardrail.metric, reason });
            logger.warn({ experiment: experiment.key, variant: state.variant, metric: guardrail.metric, detail: state.detail }, "guardrail stopped a variant");
          } catch (error) {
            // Another replica (or a person) stopped it, or the experiment ended, meanwhile.
            if (!(error instanceof ExperimentChangeRefused)) throw error;
            stopped.add(state.variant);
          }
        }
      }
    }
    if (stops.length > 0) await this.options.onStopped?.();
    return stops;
  }
}
