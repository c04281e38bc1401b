// After the demo world is loaded, `cascade start` trains and promotes the first models in the
// background (`cascade train --quick`: the last 14 days, fewer ranker epochs, no refit, instead
// of ~7.5 minutes for a full run on the default world; a later full `cascade train` restores full
// quality), so a fresh `npm start` ends up serving the whole funnel (two-tower ANN + ONNX ranker)
// without a manual `cascade train --promote`. Training is CPU-heavy and synchronous, so it
// runs as a child process (`cascade train`) rather than on the engine's event loop; the engine
// keeps serving (popularity and the other sources) meanwhile and hot-swaps the promoted versions
// when the registry's NOTIFY arrives. Its progress (parsed from the child's stderr lines,
// trainingProgress.ts) is in /v1/health's `training`, and each finished step is logged.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DEMO_API_KEY, parseApiKeyPrefix } from "@cascade/core";
import { repoRoot, type Database } from "@cascade/db";
import type { Logger } from "pino";
import type { TrainingProgress } from "./trainingProgress.ts";

export type DemoTraining = {
  stop(): Promise<void>;
  /** Resolves when the child exits: true when the models were trained and promoted. */
  finished: Promise<boolean>;
};

/**
 * True when this database holds the demo world and no model was ever registered: the first start
 * (or a first start stopped before training finished). Never true for a user's own data.
 */
export async function wantsDemoTraining(db: Database): Promise<boolean> {
  const prefix = parseApiKeyPrefix(DEMO_API_KEY);
  if (!prefix) return false;
  const [demoKey, models] = await Promise.all([db.apiKey.findUnique({ where: { prefix } }), db.modelVersion.count()]);
  return demoKey !== null && models === 0;
}

export function startDemoTraining(options: { databaseUrl: string; dataDir: string; logger: Logger; progress: TrainingProgress }): DemoTraining {
  const { logger, progress } = options;
  const cli = join(repoRoot, "apps", "engine", "src", "cli.ts");
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", cli, "train", "--quick", "--promote", "--json"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DATABASE_URL: options.databaseUrl, CASCADE_DATA_DIR: options.dataDir, LOG_LEVEL: "warn" },
  });
  progress.started();
  logger.info(
    { pid: child.pid },
    "training the first demo models in the background (cascade train --quick --promote); recommendations improve when they are promoted",
  );
  let output = "";
  // --json: one document on stdout at the end, with the step timings logged below.
  let summary = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
    if (summary.length < 1_000_000) summary += chunk.toString();
  });
  let lastStep = progress.currentStep();
  if (child.stderr) {
    createInterface({ input: child.stderr, crlfDelay: Infinity }).on("line", (line) => {
      output = (output + line + "\n").slice(-4_000);
      progress.line(line);
      logger.debug({ component: "demo training" }, line);
      const step = progress.currentStep();
      if (step !== lastStep) {
        logger.info({ finished: lastStep, next: step, progress: progress.health().progress }, `background training: ${lastStep} done`);
        lastStep = step;
      }
    });
  }
  let stopping = false;
  const exited = new Promise<boolean>((resolve) => {
    child.once("exit", (code, signal) => {
      if (code === 0) {
        progress.finished({ ok: true });
        logger.info({ ...stepTimings(summary) }, "demo models trained and promoted; the engine hot-swaps them now");
      } else if (stopping) {
        progress.finished({ ok: false, detail: "stopped with the engine; the next start resumes it (finished steps are reused)" });
      } else {
        progress.finished({ ok: false, detail: `exited with ${signal ?? `code ${code}`}; run \`cascade train --promote\` to retry` });
        logger.warn({ code, signal, output: output.slice(-1_000) }, "background demo training failed; run `cascade train --promote` to retry");
      }
      resolve(code === 0);
    });
  });
  return {
    finished: exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Seconds per training step from `cascade train --json`'s summary (nothing when it does not parse). */
function stepTimings(summary: string): { totalSeconds?: number; steps?: Record<string, number> } {
  try {
    const parsed = JSON.parse(summary) as { totalSeconds?: number; steps?: { step: string; seconds: number }[] };
    return {
      ...(typeof parsed.totalSeconds === "number" ? { totalSeconds: Math.round(parsed.totalSeconds * 10) / 10 } : {}),
      ...(Array.isArray(parsed.steps) ? { steps: Object.fromEntries(parsed.steps.map((step) => [step.step, Math.round(step.seconds * 10) / 10])) } : {}),
    };
  } catch {
    return {};
  }
}
