// Registering a trained build: two concurrent runs of the same build end with exactly one version
// whose artifacts are intact, the loser's files removed and no one else's touched.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrismaClient, type Database } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelsDir, storeArtifacts, verifyArtifact } from "../../models/artifactStore.ts";
import { registerBuild, type StoredBuild } from "./registerTrainedModels.ts";

const prefix = `regbuild${randomBytes(4).toString("hex")}`;
let db: Database;
let dataDir: string;

/** A store step writing a small ranker artifact; `gate` holds it until the caller lets it finish. */
function rankerStore(contents: string, gate: Promise<void> = Promise.resolve(), calls: string[] = []) {
  return async (key: string): Promise<StoredBuild> => {
    calls.push(key);
    await gate;
    const stored = await storeArtifacts({ dataDir, kind: "ranker", key, files: [{ name: "ranker.onnx", bytes: contents }] });
    const onnx = stored.files[0]!;
    return { dir: stored.dir, version: { name: `${prefix}-model`, artifactPath: onnx.path, artifactDigest: onnx.sha256 } };
  };
}

async function buildDirs(): Promise<string[]> {
  return (await readdir(join(modelsDir(dataDir), "ranker"))).sort();
}

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 4 });
  dataDir = await mkdtemp(join(tmpdir(), `${prefix}-`));
});

afterAll(async () => {
  await db.modelVersion.deleteMany({ where: { name: `${prefix}-model` } });
  await db.$disconnect();
  await rm(dataDir, { recursive: true, force: true });
});

describe("registerBuild", () => {
  it("registers one version when two runs of the same build store and register at the same time", async () => {
    const buildDigest = `${prefix}-concurrent`.padEnd(64, "0");
    // Both runs pass the "already registered?" check, then store, then race to register.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const keys: string[] = [];
    const runs = Promise.all([
      registerBuild(db, { dataDir, kind: "ranker", buildDigest, store: rankerStore("onnx bytes of run A", gate, keys) }),
      registerBuild(db, { dataDir, kind: "ranker", buildDigest, store: rankerStore("onnx bytes of run B", gate, keys) }),
    ]);
    while (keys.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(new Set(keys).size).toBe(2); // one directory per run
    release();
    const results = await runs;

    expect(results.map((result) => result.created).sort()).toEqual([false, true]);
    expect(results[0]!.version.id).toBe(results[1]!.version.id);
    const versions = await db.modelVersion.findMany({ where: { kind: "ranker", buildDigest } });
    expect(versions).toHaveLength(1);
    const version = versions[0]!;
    // The winner's files are intact; only its directory is left (the loser removed its own).
    await expect(verifyArtifact(version.artifactPath, version.artifactDigest)).resolves.toBeTruthy();
    const dirs = (await buildDirs()).filter((name) => name.startsWith(`build-${buildDigest.slice(0, 24)}`));
    expect(dirs).toEqual([version.artifactPath.split("/").at(-2)]);
  });

  it("returns the registered version on a re-run without storing anything", async () => {
    const buildDigest = `${prefix}-rerun`.padEnd(64, "0");
    const first = await registerBuild(db, { dataDir, kind: "ranker", buildDigest, store: rankerStore("first") });
    const calls: string[] = [];
    const again = await registerBuild(db, { dataDir, kind: "ranker", buildDigest, store: rankerStore("second", undefined, calls) });
    expect(first.created).toBe(true);
    expect(again).toEqual({ version: first.version, created: false });
    expect(calls).toEqual([]);
  });

  it("leaves another run's directory of the same build alone", async () => {
    const buildDigest = `${prefix}-leftover`.padEnd(64, "0");
    const other = join(modelsDir(dataDir), "ranker", `build-${buildDigest.slice(0, 24)}-another-run`);
    await mkdir(other, { recursive: true });
    await writeFile(join(other, "ranker.onnx"), "still being registered by someone else");
    const result = await registerBuild(db, { dataDir, kind: "ranker", buildDigest, store: rankerStore("mine"), runId: "this-run" });
    expect(result.created).toBe(true);
    expect(result.version.artifactPath).toBe(join(modelsDir(dataDir), "ranker", `build-${buildDigest.slice(0, 24)}-this-run`, "ranker.onnx"));
    expect(await readdir(other)).toEqual(["ranker.onnx"]);
  });

  it("removes its own directory and rethrows when registration fails for another reason", async () => {
    // A unique violation that is not this build's: the version id is taken by another version.
    const taken = await registerBuild(db, { dataDir, kind: "ranker", buildDigest: `${prefix}-taken`.padEnd(64, "0"), store: rankerStore("taken") });
    const buildDigest = `${prefix}-failing`.padEnd(64, "0");
    const store = rankerStore("doomed");
    const before = await buildDirs();
    await expect(
      registerBuild(db, {
        dataDir,
        kind: "ranker",
        buildDigest,
        store: async (key) => {
          const stored = await store(key);
          return { ...stored, version: { ...stored.version, id: taken.version.id } };
        },
      }),
    ).rejects.toThrow();
    expect(await buildDirs()).toEqual(before);
    expect(await db.modelVersion.count({ where: { kind: "ranker", buildDigest } })).toBe(0);
  });
});
