// Model artifacts on disk: `${CASCADE_DATA_DIR}/models/<kind>/<key>/<file>`, one immutable
// directory per model version. A set of files is written into a temporary sibling directory and
// renamed into place, so a reader never sees a half-written version; each file's sha256 is
// computed while writing and goes into the registry, and the engine re-checks it before loading.
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ModelKind } from "@cascade/db";

export type ArtifactInput =
  /** contents in memory (an ONNX file, a small JSON manifest) */
  | { name: string; bytes: Uint8Array | string }
  /** a file already on disk (e.g. a large vector file or an HNSW index), copied while hashing */
  | { name: string; sourcePath: string };

export type StoredArtifact = { name: string; path: string; sha256: string; bytes: number };

export type StoredArtifacts = { dir: string; key: string; files: StoredArtifact[] };

export type StoreArtifactsInput = {
  /** CASCADE_DATA_DIR */
  dataDir: string;
  kind: ModelKind;
  /** directory name; default a random uuid (the version number is only known at registration) */
  key?: string;
  files: readonly ArtifactInput[];
};

export class ArtifactError extends Error {
  constructor(
    readonly reason: "missing" | "digest_mismatch" | "invalid_name" | "exists",
    message: string,
  ) {
    super(message);
    this.name = "ArtifactError";
  }
}

export function modelsDir(dataDir: string): string {
  return join(dataDir, "models");
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function checkName(what: string, name: string): void {
  if (!SAFE_NAME.test(name) || name.includes(".."))
    throw new ArtifactError("invalid_name", `${what} "${name}" must be a plain file name (letters, digits, . _ -)`);
}

/** Writes `files` as one new artifact directory, atomically; returns where and their digests. */
export async function storeArtifacts(input: StoreArtifactsInput): Promise<StoredArtifacts> {
  const key = input.key ?? randomUUID();
  checkName("artifact key", key);
  const names = new Set<string>();
  for (const file of input.files) {
    checkName("artifact file name", file.name);
    if (names.has(file.name)) throw new ArtifactError("invalid_name", `artifact file name "${file.name}" appears twice`);
    names.add(file.name);
  }
  const kindDir = join(modelsDir(input.dataDir), input.kind);
  const dir = join(kindDir, key);
  if (await exists(dir)) throw new ArtifactError("exists", `artifact directory ${dir} already exists`);
  const tempDir = join(kindDir, `.tmp-${key}-${randomUUID()}`);
  await mkdir(tempDir, { recursive: true });
  try {
    const written: Array<{ name: string; sha256: string; bytes: number }> = [];
    for (const file of input.files) {
      const target = join(tempDir, file.name);
      const result = "sourcePath" in file ? await copyHashing(file.sourcePath, target) : await writeHashing(target, file.bytes);
      written.push({ name: file.name, ...result });
    }
    // rename(2) of a directory is atomic within one filesystem; it fails if `dir` appeared meanwhile.
    await rename(tempDir, dir);
    return { dir, key, files: written.map((file) => ({ ...file, path: join(dir, file.name) })) };
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

/** Throws ArtifactError unless `path` exists and hashes to `sha256`. */
export async function verifyArtifact(path: string, sha256: string): Promise<{ bytes: number }> {
  if (!(await exists(path))) throw new ArtifactError("missing", `artifact ${path} does not exist`);
  const actual = await sha256File(path);
  if (actual.sha256 !== sha256.toLowerCase()) throw digestMismatch(path, actual.sha256, sha256);
  return { bytes: actual.bytes };
}

/** For files already read into memory: throws ArtifactError unless `contents` hash to `sha256`. */
export function assertDigest(path: string, contents: Uint8Array, sha256: string): void {
  const actual = sha256Bytes(contents);
  if (actual !== sha256.toLowerCase()) throw digestMismatch(path, actual, sha256);
}

const digestMismatch = (path: string, actual: string, expected: string) =>
  new ArtifactError("digest_mismatch", `artifact ${path} is corrupt: sha256 ${actual} differs from the registered ${expected}`);

export function sha256Bytes(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function writeHashing(target: string, contents: Uint8Array | string): Promise<{ sha256: string; bytes: number }> {
  const data = typeof contents === "string" ? Buffer.from(contents) : contents;
  const handle = await open(target, "wx");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { sha256: sha256Bytes(data), bytes: data.byteLength };
}

async function copyHashing(source: string, target: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  const handle = await open(target, "wx");
  try {
    for await (const chunk of createReadStream(source)) {
      const buffer = chunk as Buffer;
      hash.update(buffer);
      bytes += buffer.length;
      await handle.write(buffer);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest("hex"), bytes };
}

/** Reads a whole artifact; a missing file is an ArtifactError("missing"). */
export async function readArtifact(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new ArtifactError("missing", `artifact ${path} does not exist`);
    throw error;
  }
}
