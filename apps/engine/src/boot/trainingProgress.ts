// Follows the background `cascade train` child from the lines it writes to stderr: the pipeline's
// step lines ("train: ranker: done in 41.2 s") and the progress reporter's plain lines
// ("ranker epoch 2/4: 1200/5000 (24%) 310/s ETA 12s"), and answers /v1/health's `training`.
// Reading the child's own output keeps the trainer unaware of the engine: the same lines a person
// sees when running `cascade train` in a pipe.
import type { TrainingHealth } from "@cascade/core";

/** The compute steps of training/pipeline/trainPipeline.ts, in order (registering and promoting follow). */
export const TRAINING_STEPS = ["training-set", "two-tower", "ann-index", "ranker"] as const;

const STEP_LINE = /^train: ([a-z-]+): (?:done in|reused)\b/;
const STAGE_SHARE = 0.9;
const STAGE_LINE = /^(.+): (\d+)\/(\d+) \((\d+)%\) \S+\/s (?:ETA (\S+)|done in [\d.]+ s)$/;

export class TrainingProgress {
  private state: TrainingHealth["state"] = "idle";
  private startedAt: number | null = null;
  private finishedAt: number | null = null;
  private readonly stepsDone = new Set<string>();
  private stage: { label: string; fraction: number; etaSeconds: number | null } | null = null;
  private detail: string | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  started(): void {
    this.state = "running";
    this.startedAt = this.now();
    this.finishedAt = null;
    this.stepsDone.clear();
    this.stage = null;
    this.detail = undefined;
  }

  /** One line of the child's stderr. Lines that are neither step nor progress lines are ignored. */
  line(text: string): void {
    const step = STEP_LINE.exec(text);
    if (step) {
      this.stepsDone.add(step[1]!);
      this.stage = null;
      return;
    }
    const stage = STAGE_LINE.exec(text);
    if (stage) {
      const [, label, done, total, , eta] = stage;
      const finished = eta === undefined;
      const fraction = finished || Number(total) === 0 ? 1 : Math.min(1, Number(done) / Number(total));
      // A step may run several stages (the ranker reads, then trains epochs): a finished stage does
      // not finish its step, so a stage counts for at most STAGE_SHARE of it.
      this.stage = { label: label!, fraction: fraction * STAGE_SHARE, etaSeconds: finished ? null : parseEta(eta) };
    }
  }

  finished(outcome: { ok: boolean; detail?: string }): void {
    this.state = outcome.ok ? "done" : "failed";
    this.finishedAt = this.now();
    this.stage = null;
    this.detail = outcome.detail;
  }

  /** The step running now: the first compute step not reported done ("promote" once all are). */
  currentStep(): string {
    return TRAINING_STEPS.find((step) => !this.stepsDone.has(step)) ?? "register and promote";
  }

  health(): TrainingHealth {
    const running = this.state === "running";
    const doneSteps = TRAINING_STEPS.filter((step) => this.stepsDone.has(step)).length;
    // Registering and promoting follow the last compute step: 1 only once the child succeeded.
    const progress =
      this.state === "done"
        ? 1
        : this.state === "idle"
          ? null
          : Math.min(0.99, (doneSteps + (running ? (this.stage?.fraction ?? 0) : 0)) / TRAINING_STEPS.length);
    const step = this.state === "idle" ? null : this.state === "done" ? "done" : `${this.currentStep()}${this.stage ? ` — ${this.stage.label}` : ""}`;
    return {
      state: this.state,
      step,
      progress: progress === null ? null : Math.round(progress * 1000) / 1000,
      stepEtaSeconds: running ? (this.stage?.etaSeconds ?? null) : null,
      startedAt: this.startedAt === null ? null : new Date(this.startedAt).toISOString(),
      finishedAt: this.finishedAt === null ? null : new Date(this.finishedAt).toISOString(),
      ...(this.detail ? { detail: this.detail } : {}),
    };
  }
}

/** "45s", "3m07s" (telemetry/progress.ts's format) → seconds; "?" → null. */
function parseEta(text: string): number | null {
  const match = /^(?:(\d+)m)?(\d+)s$/.exec(text);
  if (!match) return null;
  return Number(match[1] ?? 0) * 60 + Number(match[2]);
}
