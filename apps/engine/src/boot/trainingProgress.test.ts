import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgressReporter } from "../telemetry/progress.ts";
import { TrainingProgress } from "./trainingProgress.ts";

/** The plain lines `cascade train` writes to a pipe, made by the real progress reporter. */
function progressLines(run: (reporter: ReturnType<typeof createProgressReporter>, tick: (ms: number) => void) => void): string[] {
  const stream = new PassThrough();
  let now = 0;
  const reporter = createProgressReporter({ stream: stream as unknown as NodeJS.WriteStream, intervalMs: 1_000, now: () => now });
  run(reporter, (ms) => (now += ms));
  return String(stream.read() ?? "")
    .trimEnd()
    .split("\n");
}

describe("training progress from the train child's stderr", () => {
  it("reports the running step, its stage, the share done and the stage's ETA", () => {
    const progress = new TrainingProgress(() => Date.parse("2026-12-01T10:00:00Z"));
    expect(progress.health()).toMatchObject({ state: "idle", step: null, progress: null });
    progress.started();
    progress.line("train: window 2026-11-01T00:00:00.000Z → 2026-12-01T00:00:00.000Z · 93199 events, 2000 items, 4038 follows");
    expect(progress.health()).toMatchObject({ state: "running", step: "training-set", progress: 0, startedAt: "2026-12-01T10:00:00.000Z" });

    const [halfway] = progressLines((reporter, tick) => {
      reporter.start("training set: events", 1_000);
      tick(2_000);
      reporter.increment(500);
    });
    progress.line(halfway!);
    expect(progress.health()).toMatchObject({ step: "training-set — training set: events", progress: 0.113, stepEtaSeconds: 2 });

    progress.line("train: training-set: done in 18.4 s");
    progress.line("train: two-tower: reused /data/train/two-tower/abc (verified in 0.2 s)");
    expect(progress.health()).toMatchObject({ step: "ann-index", progress: 0.5, stepEtaSeconds: null });

    // A finished stage does not finish its step.
    for (const line of progressLines((reporter) => {
      reporter.start("HNSW index", 10);
      reporter.increment(10);
      reporter.stop();
    }))
      progress.line(line);
    expect(progress.health().progress).toBe(0.725);
    progress.line("train: ann-index: done in 1.0 s");
    progress.line("train: ranker: done in 20.5 s");
    expect(progress.health()).toMatchObject({ step: "register and promote", progress: 0.99 });
    progress.line("some unrelated warning: ignored");
    progress.finished({ ok: true });
    expect(progress.health()).toMatchObject({ state: "done", step: "done", progress: 1, finishedAt: "2026-12-01T10:00:00.000Z" });
  });

  it("says why it failed", () => {
    const progress = new TrainingProgress();
    progress.started();
    progress.line("train: training-set: done in 3.0 s");
    progress.finished({ ok: false, detail: "exited with code 1" });
    expect(progress.health()).toMatchObject({ state: "failed", step: "two-tower", progress: 0.25, detail: "exited with code 1", stepEtaSeconds: null });
  });
});
