// A compact binary container for model artifacts (two-tower weights, item vectors): a JSON header
// for everything small and self-describing, then raw little-endian typed arrays.
//
//   offset 0   8 bytes   magic "CSCDART1"
//   offset 8   4 bytes   uint32 LE: header length H in bytes
//   offset 12  H bytes   UTF-8 JSON header, space-padded so that 12 + H is a multiple of 8:
//                        { kind, version, meta: {...}, arrays: { name: { dtype, offset, length } } }
//   offset 12+H          data section; array `name` starts at 12 + H + offset (offset a multiple
//                        of 8) and holds `length` elements of dtype float32 | float64 | int32 | uint8
//
// Why not JSON throughout: 1M items × 33 float32 coordinates is 132 MB raw and ~4× that as text,
// parsed slower than it can be copied. Why not protobuf/Arrow: one reader and one writer live
// here, and a header you can read with `head -c 4096` is worth more than a schema compiler.
// Loading checks the magic, the header against a schema, that every array lies inside the file,
// and the kind/version the caller expects, so a truncated or foreign file is refused with a clear
// message instead of yielding garbage vectors. The SHA-256 of the file is its registry digest.
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { z } from "zod";

const MAGIC = "CSCDART1";
const PREFIX = 12;

export type ArtifactArray = Float32Array | Float64Array | Int32Array | Uint8Array;
type Dtype = "float32" | "float64" | "int32" | "uint8";

const arraySpec = z.object({
  dtype: z.enum(["float32", "float64", "int32", "uint8"]),
  offset: z.number().int().nonnegative(),
  length: z.number().int().nonnegative(),
});
const headerSchema = z.object({
  kind: z.string().min(1),
  version: z.number().int().positive(),
  meta: z.record(z.string(), z.unknown()),
  arrays: z.record(z.string(), arraySpec),
});

export type ArtifactContents = {
  kind: string;
  version: number;
  meta: Record<string, unknown>;
  arrays: Record<string, ArtifactArray>;
};

function dtypeOf(array: ArtifactArray): Dtype {
  if (array instanceof Float32Array) return "float32";
  if (array instanceof Float64Array) return "float64";
  if (array instanceof Int32Array) return "int32";
  return "uint8";
}

const align8 = (value: number) => Math.ceil(value / 8) * 8;

/** Writes the artifact; returns its size and SHA-256 (hex). */
export async function writeArtifactFile(path: string, contents: ArtifactContents): Promise<{ bytes: number; sha256: string }> {
  const specs: Record<string, z.infer<typeof arraySpec>> = {};
  let dataLength = 0;
  for (const [name, array] of Object.entries(contents.arrays)) {
    specs[name] = { dtype: dtypeOf(array), offset: dataLength, length: array.length };
    dataLength = align8(dataLength + array.byteLength);
  }
  const json = JSON.stringify({ kind: contents.kind, version: contents.version, meta: contents.meta, arrays: specs });
  const jsonBytes = Buffer.from(json, "utf8");
  const headerLength = align8(PREFIX + jsonBytes.length) - PREFIX;
  const file = Buffer.alloc(PREFIX + headerLength + dataLength, 0);
  file.write(MAGIC, 0, "ascii");
  file.writeUInt32LE(headerLength, 8);
  jsonBytes.copy(file, PREFIX);
  file.fill(0x20, PREFIX + jsonBytes.length, PREFIX + headerLength);
  const dataStart = PREFIX + headerLength;
  for (const [name, array] of Object.entries(contents.arrays)) {
    Buffer.from(array.buffer, array.byteOffset, array.byteLength).copy(file, dataStart + specs[name]!.offset);
  }
  await writeFile(path, file);
  return { bytes: file.length, sha256: createHash("sha256").update(file).digest("hex") };
}

export class ArtifactError extends Error {}

/** Reads and checks an artifact; `expect` refuses another kind or a newer version than supported. */
export async function readArtifactFile(path: string, expect: { kind: string; maxVersion: number }): Promise<ArtifactContents & { sha256: string }> {
  const file = await readFile(path);
  const fail = (problem: string): never => {
    throw new ArtifactError(`${path}: ${problem}`);
  };
  if (file.length < PREFIX || file.toString("ascii", 0, 8) !== MAGIC) fail(`not a Cascade artifact (magic "${MAGIC}" missing)`);
  const headerLength = file.readUInt32LE(8);
  if (PREFIX + headerLength > file.length) fail(`header of ${headerLength} bytes runs past the end of the file (${file.length} bytes): truncated?`);
  let parsedJson: unknown;
  try {
    parsedJson = JSON.parse(file.toString("utf8", PREFIX, PREFIX + headerLength));
  } catch {
    fail("header is not valid JSON");
  }
  const parsed = headerSchema.safeParse(parsedJson);
  if (!parsed.success) fail(`header: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
  const header = parsed.data!;
  if (header.kind !== expect.kind) fail(`is a "${header.kind}" artifact, expected "${expect.kind}"`);
  if (header.version > expect.maxVersion) fail(`format version ${header.version} is newer than this engine reads (${expect.maxVersion})`);
  const dataStart = PREFIX + headerLength;
  const arrays: Record<string, ArtifactArray> = {};
  for (const [name, spec] of Object.entries(header.arrays)) {
    const width = spec.dtype === "float64" ? 8 : spec.dtype === "uint8" ? 1 : 4;
    const start = dataStart + spec.offset;
    const end = start + spec.length * width;
    if (end > file.length) fail(`array "${name}" (${spec.length} × ${spec.dtype}) runs past the end of the file: truncated?`);
    // Copy into a fresh, aligned buffer: the file buffer may be pooled or misaligned.
    const bytes = file.buffer.slice(file.byteOffset + start, file.byteOffset + end);
    arrays[name] =
      spec.dtype === "float32"
        ? new Float32Array(bytes)
        : spec.dtype === "float64"
          ? new Float64Array(bytes)
          : spec.dtype === "int32"
            ? new Int32Array(bytes)
            : new Uint8Array(bytes);
  }
  return { kind: header.kind, version: header.version, meta: header.meta, arrays, sha256: createHash("sha256").update(file).digest("hex") };
}
