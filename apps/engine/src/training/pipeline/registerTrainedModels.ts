// Storing a run's artifacts in the model store and registering them, idempotently: a version is
// identified by its build digest (ModelVersion.buildDigest, unique per kind), and a re-run with the
// same digest returns the version already registered (after verifying its artifacts) instead of
// adding a duplicate.
//
// Concurrent runs of one build (two `cascade train` at once) must not touch each other's files:
// each run stores into a directory of its own, `models/<kind>/build-<digest prefix>-<run id>/`,
// and never deletes a directory it did not create. Both may get as far as registering; the
// database's unique (kind, build_digest) index lets one win, and the loser removes only its own
// directory and returns the winner's version.
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { Prisma, registerModelVersion, type Database, type ModelKind, type ModelVersion, type RegisterModelVersionInput } from "@cascade/db";
import { storeArtifacts, verifyArtifact, type StoredArtifacts } from "../../models/artifactStore.ts";

export type RegistrationResult = { version: ModelVersion; created: boolean };

export type StoredBuild = { dir: string; version: Omit<RegisterModelVersionInput, "kind" | "buildDigest"> };

export type RegisterBuildInput = {
  dataDir: string;
  kind: ModelKind;
  buildDigest: string;
  /** Stores the files under `key` (the artifact store's directory name) and describes the version. */
  store: (key: string) => Promise<StoredBuild>;
  /** Makes this run's directory name unique; default a random uuid. */
  runId?: string;
};

/** The artifact store key of one run's build: the digest prefix says which build, the run id whose files. */
export function buildArtifactKey(buildDigest: string, runId: string): string {
  return `build-${buildDigest.slice(0, 24)}-${runId}`;
}

/** The version of `kind` built from `buildDigest`, artifacts verified; null when none is registered. */
export async function findRegisteredBuild(db: Database, kind: ModelKind, buildDigest: string): Promise<ModelVersion | null> {
  const version = await db.modelVersion.findFirst({ where: { kind, buildDigest }, orderBy: { createdAt: "asc" } });
  if (!version) return null;
  try {
    await verifyArtifact(version.artifactPath, version.artifactDigest);
    if (version.indexPath && version.indexDigest) await verifyArtifact(version.indexPath, version.indexDigest);
  } catch (error) {
    throw new Error(
      `model ${version.id} (${kind} v${version.version}) was built from these inputs but its artifacts no longer verify: ${(error as Error).message}. ` +
        `Retire it and remove ${dirname(version.artifactPath)}, or change the config, to build again.`,
    );
  }
  return version;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

export async function registerBuild(db: Database, input: RegisterBuildInput): Promise<RegistrationResult> {
  const found = await findRegisteredBuild(db, input.kind, input.buildDigest);
  if (found) return { version: found, created: false };
  // A directory of this build left by a run that died between storing and registering is not
  // removed: it may as well belong to a concurrent run that is about to register it.
  const stored = await input.store(buildArtifactKey(input.buildDigest, input.runId ?? randomUUID()));
  try {
    const version = await registerModelVersion(db, { ...stored.version, kind: input.kind, buildDigest: input.buildDigest });
    return { version, created: true };
  } catch (error) {
    // Unregistered, this run's directory is referenced by nothing: remove it (and only it).
    await rm(stored.dir, { recursive: true, force: true });
    if (isUniqueViolation(error)) {
      // A concurrent run registered the same build first: that version is the result.
      const winner = await findRegisteredBuild(db, input.kind, input.buildDigest);
      if (winner) return { version: winner, created: false };
    }
    throw error;
  }
}

/**
 * registerBuild for a version whose artifacts are step output files: stores `files` (name →
 * source path) and registers `describe(...)` with the file named `artifact` as the version's
 * artifact (path and digest).
 */
export function registerStepFiles(
  db: Database,
  input: Omit<RegisterBuildInput, "store"> & {
    files: Record<string, string>;
    artifact: string;
    describe: () => Omit<StoredBuild["version"], "artifactPath" | "artifactDigest">;
  },
): Promise<RegistrationResult> {
  return registerBuild(db, {
    ...input,
    store: async (key) => {
      const stored = await storeArtifacts({
        dataDir: input.dataDir,
        kind: input.kind,
        key,
        files: Object.entries(input.files).map(([name, sourcePath]) => ({ name, sourcePath })),
      });
      const main = storedFile(stored, input.artifact);
      return { dir: stored.dir, version: { ...input.describe(), artifactPath: main.path, artifactDigest: main.sha256 } };
    },
  });
}

export function storedFile(stored: StoredArtifacts, name: string): { path: string; sha256: string; bytes: number } {
  const file = stored.files.find((entry) => entry.name === name);
  if (!file) throw new Error(`artifact ${name} missing from ${stored.dir}`);
  return file;
}
