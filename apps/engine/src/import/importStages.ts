// A multi-file import (MovieLens, RecBole, a log with its items file) runs one stage per file:
// catalogue first, events last. Each stage shows its own progress bar by bytes read (with ETA)
// and adds its summary to the list the command prints.
import { stat } from "node:fs/promises";
import type { ProgressReporter } from "../telemetry/progress.ts";
import type { ImportSummary } from "./importRunner.ts";

export type StageRunner = {
  run(label: string, path: string, importStage: (onBytes: (bytes: number) => void) => Promise<ImportSummary>): Promise<ImportSummary>;
  readonly summaries: ImportSummary[];
};

export function createStageRunner(progress: ProgressReporter): StageRunner {
  const summaries: ImportSummary[] = [];
  return {
    summaries,
    async run(label, path, importStage) {
      progress.start(`import ${label} (bytes)`, (await stat(path)).size);
      try {
        const summary = await importStage((bytes) => progress.increment(bytes));
        summaries.push(summary);
        return summary;
      } finally {
        progress.stop();
      }
    },
  };
}
