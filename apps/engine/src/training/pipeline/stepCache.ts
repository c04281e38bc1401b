// Re-runnable pipeline steps. A step writes its files into `<workDir>/<step>-<digest16>/` together
// with manifest.json (the full digest, every file's SHA-256 and the step's small JSON outputs).
// On a re-run with the same digest the step is skipped when the manifest is there and every file
// still hashes to what it records; a missing or corrupt file makes the step run again. Outputs are
// written into a temporary sibling directory and renamed into place, so an interrupted run leaves
// either a complete step directory or none.
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { sha256File } from "../../models/artifactStore.ts";

const manifestSchema = z.object({
  step: z.string(),
  digest: z.string(),
  files: z.record(z.string(), z.object({ sha256: z.string(), bytes: z.number() })),
  outputs: z.unknown(),
  seconds: z.number(),
  createdAt: z.string(),
});

export type StepFiles = Record<string, { path: string; sha256: string; bytes: number }>;

export type StepResult<T> = {
  step: string;
  digest: string;
  dir: string;
  files: StepFiles;
  outputs: T;
  /** True when an earlier run's verified output was used. */
  reused: boolean;
  /** Compute time of the run that produced the output (this run's, or the earlier one's). */
  seconds: number;
};

export const MANIFEST_FILE = "manifest.json";

export function stepDir(workDir: string, step: string, digest: string): string {
  return join(workDir, `${step}-${digest.slice(0, 16)}`);
}

/** The verified output of an earlier run, or null when there is none (or it no longer verifies). */
export async function findStepOutput<T>(workDir: string, step: string, digest: string): Promise<StepResult<T> | null> {
  const dir = stepDir(workDir, step, digest);
  let manifest: z.infer<typeof manifestSchema>;
  try {
    manifest = manifestSchema.parse(JSON.parse(await readFile(join(dir, MANIFEST_FILE), "utf8")));
  } catch {
    return null;
  }
  if (manifest.digest !== digest || manifest.step !== step) return null;
  const files: StepFiles = {};
  for (const [name, expected] of Object.entries(manifest.files)) {
    const path = join(dir, name);
    try {
      const actual = await sha256File(path);
      if (actual.sha256 !== expected.sha256) return null;
    } catch {
      return null;
    }
    files[name] = { path, ...expected };
  }
  return { step, digest, dir, files, outputs: manifest.outputs as T, reused: true, seconds: manifest.seconds };
}

/**
 * Runs `produce` unless a verified output for (step, digest) exists. `produce` writes its files
 * into the directory it is given and returns the step's JSON-serialisable outputs.
 */
export async function runStep<T>(workDir: string, step: string, digest: string, produce: (dir: string) => Promise<T>): Promise<StepResult<T>> {
  const existing = await findStepOutput<T>(workDir, step, digest);
  if (existing) return existing;
  const dir = stepDir(workDir, step, digest);
  const temp = join(workDir, `.tmp-${step}-${randomUUID()}`);
  await mkdir(temp, { recursive: true });
  try {
    const started = performance.now();
    const outputs = await produce(temp);
    const seconds = (performance.now() - started) / 1000;
    const files: Record<string, { sha256: string; bytes: number }> = {};
    for (const name of (await readdir(temp)).sort()) files[name] = await sha256File(join(temp, name));
    await writeFile(join(temp, MANIFEST_FILE), JSON.stringify({ step, digest, files, outputs, seconds, createdAt: new Date().toISOString() }, null, 2));
    // A stale directory (same digest, a file missing or corrupt) is replaced.
    await rm(dir, { recursive: true, force: true });
    await rename(temp, dir);
    const located: StepFiles = {};
    for (const [name, file] of Object.entries(files)) located[name] = { path: join(dir, name), ...file };
    return { step, digest, dir, files: located, outputs, reused: false, seconds };
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
