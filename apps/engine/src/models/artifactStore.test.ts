import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ArtifactError, modelsDir, sha256Bytes, storeArtifacts, verifyArtifact } from "./artifactStore.ts";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "cascade-artifacts-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("artifact store", () => {
  it("writes files under models/<kind>/<key>/ with their sha256 and sizes", async () => {
    const source = join(dataDir, "source.bin");
    await writeFile(source, Buffer.alloc(300_000, 7));
    const stored = await storeArtifacts({
      dataDir,
      kind: "two_tower",
      key: "v1",
      files: [
        { name: "manifest.json", bytes: '{"a":1}' },
        { name: "vectors.f32", sourcePath: source },
      ],
    });
    expect(stored.dir).toBe(join(modelsDir(dataDir), "two_tower", "v1"));
    expect(stored.files.map((file) => file.name)).toEqual(["manifest.json", "vectors.f32"]);
    expect(stored.files[0]!.sha256).toBe(sha256Bytes('{"a":1}'));
    expect(stored.files[1]!.sha256).toBe(sha256Bytes(await readFile(source)));
    expect(stored.files[1]!.bytes).toBe(300_000);
    for (const file of stored.files) await expect(verifyArtifact(file.path, file.sha256)).resolves.toEqual({ bytes: file.bytes });
    // no temporary directory left beside it
    expect(await readdir(dirname(stored.dir))).toEqual(["v1"]);
  });

  it("uses a fresh uuid key by default and never overwrites an existing version", async () => {
    const a = await storeArtifacts({ dataDir, kind: "ranker", files: [{ name: "model.onnx", bytes: new Uint8Array([1]) }] });
    const b = await storeArtifacts({ dataDir, kind: "ranker", files: [{ name: "model.onnx", bytes: new Uint8Array([1]) }] });
    expect(a.key).not.toBe(b.key);
    await expect(storeArtifacts({ dataDir, kind: "ranker", key: a.key, files: [{ name: "model.onnx", bytes: new Uint8Array([2]) }] })).rejects.toThrow(
      /already exists/,
    );
  });

  it("leaves nothing behind when a file cannot be read", async () => {
    await expect(
      storeArtifacts({
        dataDir,
        kind: "ranker",
        key: "broken",
        files: [
          { name: "a.bin", bytes: "x" },
          { name: "b.bin", sourcePath: join(dataDir, "missing") },
        ],
      }),
    ).rejects.toThrow();
    expect(await readdir(join(modelsDir(dataDir), "ranker"))).toEqual([]);
  });

  it("refuses file names that could escape the directory", async () => {
    for (const name of ["../x", "a/b", ".hidden", ""]) {
      await expect(storeArtifacts({ dataDir, kind: "ranker", files: [{ name, bytes: "x" }] })).rejects.toBeInstanceOf(ArtifactError);
    }
    await expect(storeArtifacts({ dataDir, kind: "ranker", key: "..", files: [{ name: "a", bytes: "x" }] })).rejects.toThrow(/plain file name/);
  });

  it("verifyArtifact reports a corrupt and a missing file", async () => {
    const stored = await storeArtifacts({ dataDir, kind: "ranker", files: [{ name: "model.onnx", bytes: "original" }] });
    const file = stored.files[0]!;
    await writeFile(file.path, "tampered");
    await expect(verifyArtifact(file.path, file.sha256)).rejects.toMatchObject({ reason: "digest_mismatch" });
    await expect(verifyArtifact(join(stored.dir, "nope"), file.sha256)).rejects.toMatchObject({ reason: "missing" });
  });
});
