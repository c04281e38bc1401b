// Progress of long CLI jobs (seeding, training, imports). On a terminal: a cli-progress bar with
// rate and ETA on stderr. Elsewhere (CI logs, files, pipes) a redrawn bar is noise, so a plain
// line every few seconds and one at the end of each stage. Tests use silentProgress.
import cliProgress from "cli-progress";

export interface ProgressReporter {
  /** Begins a stage of `total` units (rows, steps); ends any stage still running. */
  start(label: string, total: number): void;
  increment(count?: number): void;
  /** Ends the current stage (prints its final state). */
  stop(): void;
}

export const silentProgress: ProgressReporter = {
  start: () => undefined,
  increment: () => undefined,
  stop: () => undefined,
};

export type ProgressOptions = {
  stream?: NodeJS.WriteStream;
  /** Plain-text mode: milliseconds between lines. */
  intervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
};

/** A bar on a TTY, periodic plain lines otherwise (stderr by default, so stdout stays parseable). */
export function createProgressReporter(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  return stream.isTTY ? createBarProgress(stream) : createLineProgress(stream, options.intervalMs ?? 5_000, options.now ?? Date.now);
}

function createBarProgress(stream: NodeJS.WriteStream): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: "{label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}",
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  let startedAt = 0;
  let value = 0;
  const rate = () => formatCount(value / Math.max(0.001, (Date.now() - startedAt) / 1_000));
  return {
    start(label, total) {
      if (running) bar.stop();
      running = true;
      startedAt = Date.now();
      value = 0;
      bar.start(Math.max(1, total), 0, { label, rate: "0" });
    },
    increment(count = 1) {
      if (!running) return;
      value += count;
      // A stage may overshoot its estimate (event counts are approximate): grow the total.
      if (value > bar.getTotal()) bar.setTotal(value);
      bar.increment(count, { rate: rate() });
    },
    stop() {
      if (!running) return;
      running = false;
      bar.update(value, { rate: rate() });
      bar.stop();
    },
  };
}

function createLineProgress(stream: NodeJS.WritableStream, intervalMs: number, now: () => number): ProgressReporter {
  let stage: { label: string; total: number; value: number; startedAt: number; lastLineAt: number } | null = null;
  const line = (final: boolean) => {
    if (!stage) return;
    const seconds = Math.max(0.001, (now() - stage.startedAt) / 1_000);
    const rate = stage.value / seconds;
    const percent = stage.total > 0 ? Math.min(100, (100 * stage.value) / stage.total) : 100;
    const tail = final ? `done in ${seconds.toFixed(1)} s` : `ETA ${rate > 0 ? formatSeconds(Math.max(0, stage.total - stage.value) / rate) : "?"}`;
    stream.write(`${stage.label}: ${stage.value}/${stage.total} (${percent.toFixed(0)}%) ${formatCount(rate)}/s ${tail}\n`);
  };
  const reporter: ProgressReporter = {
    start(label, total) {
      if (stage) reporter.stop();
      const at = now();
      stage = { label, total, value: 0, startedAt: at, lastLineAt: at };
    },
    increment(count = 1) {
      if (!stage) return;
      stage.value += count;
      const at = now();
      if (at - stage.lastLineAt >= intervalMs) {
        stage.lastLineAt = at;
        line(false);
      }
    },
    stop() {
      line(true);
      stage = null;
    },
  };
  return reporter;
}

function formatCount(value: number): string {
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(1)}M`;
  if (value >= 10_000) return `${(value / 1_000).toFixed(0)}k`;
  return value.toFixed(0);
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
}
