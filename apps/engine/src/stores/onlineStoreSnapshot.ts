// A snapshot file of the in-process online store, so an embedded engine restarts with its online
// features instead of rebuilding them from the whole event log.
//
// Format (version 1): gzip of JSON lines —
//   line 1       header  {"format":"cascade-online-store","version":1,"takenAt":ms,"watermark":"<event log id>",
//                         "watermarkEventId":"<that row's event id>","watermarkAt":ms,"features":"<digest>","entries":n}
//   lines 2…n+1  one key each: [key, kind, expiresAt|null, payload] (hash: {field: value}, sortedSet: [[member, score]…], list: [values…])
//   last line    trailer {"sha256":"<hex of every line above, newline-terminated>"}
// The trailer's digest catches a truncated or altered file; the version and the feature digest
// catch a file written by an incompatible engine. Written to a temporary file in the same folder,
// fsynced, then renamed over the previous snapshot: a crash mid-write leaves the old one intact.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import { z } from "zod";
import type { MemoryOnlineStore, StoredEntry } from "./memoryOnlineStore.ts";

export const SNAPSHOT_FORMAT = "cascade-online-store";
export const SNAPSHOT_VERSION = 1;

/** What a snapshot says about itself, beside the store's contents. */
export type SnapshotMetadata = {
  /** Epoch ms when the store's state was captured. */
  takenAt: number;
  /** Every event-log row with id ≤ this was applied to the captured state (as a decimal string: ids are bigints). */
  watermark: string;
  /** The event id of the log row at the watermark (null for 0): tells this log from another database's. */
  watermarkEventId: string | null;
  /** Epoch ms when the watermark was set: rows after it were received (and applied) after about then. */
  watermarkAt: number;
  /** Digest of the feature definitions that wrote the state. */
  features: string;
};

const headerSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.number().int(),
  takenAt: z.number().int().nonnegative(),
  watermark: z.string().regex(/^\d+$/),
  watermarkEventId: z.string().nullable(),
  watermarkAt: z.number().int().nonnegative(),
  features: z.string().min(1),
  entries: z.number().int().nonnegative(),
});
const trailerSchema = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const finiteNumber = z.number().finite();
const entrySchema = z.union([
  z.tuple([z.string(), z.literal("hash"), z.number().nullable(), z.record(z.string(), finiteNumber)]),
  z.tuple([z.string(), z.literal("sortedSet"), z.number().nullable(), z.array(z.tuple([z.string(), finiteNumber]))]),
  z.tuple([z.string(), z.literal("list"), z.number().nullable(), z.array(z.string())]),
]);

/** The file is unusable (missing, damaged, another format version or other feature definitions; the caller adds age and log checks). */
export class SnapshotUnusableError extends Error {
  constructor(
    message: string,
    readonly reason: "missing" | "corrupt" | "version" | "features" | "too old" | "other log",
  ) {
    super(message);
    this.name = "SnapshotUnusableError";
  }
}

/**
 * Captures the store (one synchronous pass: a consistent point in time; the only part that holds
 * the event loop), then compresses and writes it atomically. Returns the entry count, the file's
 * size in bytes and how long the capture held the event loop.
 */
export async function writeOnlineStoreSnapshot(
  file: string,
  store: MemoryOnlineStore,
  metadata: SnapshotMetadata,
): Promise<{ entries: number; bytes: number; captureMs: number }> {
  const captureBegan = performance.now();
  const body: string[] = [];
  for (const entry of store.exportEntries()) body.push(encodeEntry(entry));
  const captureMs = Math.round(performance.now() - captureBegan);
  const header = JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, ...metadata, entries: body.length });
  const digest = createHash("sha256");
  const lines = function* () {
    for (const line of [header, ...body]) {
      const terminated = line + "\n";
      digest.update(terminated);
      yield terminated;
    }
    yield JSON.stringify({ sha256: digest.digest("hex") }) + "\n";
  };
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await pipeline(Readable.from(lines()), createGzip({ level: 6 }), createWriteStream(temporary));
    const handle = await open(temporary, "r+");
    let bytes: number;
    try {
      await handle.sync();
      bytes = (await handle.stat()).size;
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    return { entries: body.length, bytes, captureMs };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Reads and verifies a snapshot. Throws SnapshotUnusableError (never a partial result) when the
 * file is missing, damaged, of another format version or written under other feature definitions.
 */
export async function readOnlineStoreSnapshot(file: string, expectedFeatures: string): Promise<{ metadata: SnapshotMetadata; entries: StoredEntry[] }> {
  const compressed = createReadStream(file);
  const gunzip = createGunzip();
  // `pipe` does not forward a read error (a missing file): the line reader would wait forever.
  compressed.on("error", (error) => gunzip.destroy(error));
  const lines = createInterface({ input: compressed.pipe(gunzip), crlfDelay: Infinity });
  const digest = createHash("sha256");
  let header: z.infer<typeof headerSchema> | null = null;
  let trailer: z.infer<typeof trailerSchema> | null = null;
  const entries: StoredEntry[] = [];
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber += 1;
      if (trailer) throw new SnapshotUnusableError(`line ${lineNumber}: data after the trailer`, "corrupt");
      if (header && entries.length === header.entries) {
        trailer = parseLine(line, trailerSchema, lineNumber, "trailer");
        continue;
      }
      digest.update(line + "\n");
      if (!header) {
        header = readHeader(line, expectedFeatures);
        continue;
      }
      entries.push(decodeEntry(parseLine(line, entrySchema, lineNumber, "entry")));
    }
  } catch (error) {
    if (error instanceof SnapshotUnusableError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new SnapshotUnusableError(`no snapshot at ${file}`, "missing");
    throw new SnapshotUnusableError(`unreadable snapshot (${(error as Error).message})`, "corrupt");
  } finally {
    lines.close();
    compressed.destroy();
    gunzip.destroy();
  }
  if (!header) throw new SnapshotUnusableError("empty snapshot file", "corrupt");
  if (!trailer) throw new SnapshotUnusableError(`truncated: ${entries.length} of ${header.entries} entries and no trailer`, "corrupt");
  if (trailer.sha256 !== digest.digest("hex")) throw new SnapshotUnusableError("digest mismatch: the file was altered or damaged", "corrupt");
  return {
    metadata: {
      takenAt: header.takenAt,
      watermark: header.watermark,
      watermarkEventId: header.watermarkEventId,
      watermarkAt: header.watermarkAt,
      features: header.features,
    },
    entries,
  };
}

function readHeader(line: string, expectedFeatures: string): z.infer<typeof headerSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new SnapshotUnusableError("line 1: the header is not JSON", "corrupt");
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === "number" && version !== SNAPSHOT_VERSION) {
    throw new SnapshotUnusableError(`format version ${version}, this engine reads version ${SNAPSHOT_VERSION}`, "version");
  }
  const header = headerSchema.safeParse(raw);
  if (!header.success)
    throw new SnapshotUnusableError(`line 1: bad header (${header.error.issues[0]?.path.join(".")}: ${header.error.issues[0]?.message})`, "corrupt");
  if (header.data.features !== expectedFeatures) {
    throw new SnapshotUnusableError(`written under other feature definitions or another clock (${header.data.features}, now ${expectedFeatures})`, "features");
  }
  return header.data;
}

function parseLine<T>(line: string, schema: z.ZodType<T>, lineNumber: number, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new SnapshotUnusableError(`line ${lineNumber}: the ${what} is not JSON`, "corrupt");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new SnapshotUnusableError(`line ${lineNumber}: not a valid ${what}`, "corrupt");
  return parsed.data;
}

function encodeEntry(entry: StoredEntry): string {
  switch (entry.kind) {
    case "hash":
      return JSON.stringify([entry.key, entry.kind, entry.expiresAt, Object.fromEntries(entry.fields)]);
    case "sortedSet":
      return JSON.stringify([entry.key, entry.kind, entry.expiresAt, entry.scores]);
    case "list":
      return JSON.stringify([entry.key, entry.kind, entry.expiresAt, entry.values]);
  }
}

function decodeEntry(tuple: z.infer<typeof entrySchema>): StoredEntry {
  const [key, , expiresAt] = tuple;
  switch (tuple[1]) {
    case "hash":
      return { key, expiresAt, kind: "hash", fields: Object.entries(tuple[3]) };
    case "sortedSet":
      return { key, expiresAt, kind: "sortedSet", scores: tuple[3] };
    case "list":
      return { key, expiresAt, kind: "list", values: tuple[3] };
  }
}
