// CSV/JSONL → API rows → batches, with fake sinks: line numbers and fields of bad rows, good rows
// passed on, later rows replacing earlier ones with the same id.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentProgress } from "../telemetry/progress.ts";
import type { CatalogWriter } from "./catalogWriter.ts";
import type { EventLogWriter } from "./eventLogWriter.ts";
import { detectFileFormat, importFile } from "./importFile.ts";
import type { CatalogEntity } from "./importEntities.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cascade-import-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function recordingCatalog(): CatalogWriter & { batches: { entity: CatalogEntity; rows: unknown[] }[] } {
  const batches: { entity: CatalogEntity; rows: unknown[] }[] = [];
  return {
    batches,
    async write(entity, rows) {
      batches.push({ entity, rows: [...rows] });
      return { created: rows.length, updated: 0, rejected: [] };
    },
    close: async () => undefined,
  };
}

describe("items from CSV", () => {
  it("imports good rows and reports bad ones by line and field", async () => {
    const path = join(dir, "items.csv");
    await writeFile(
      path,
      [
        "id,title,category,tags,publishedAt,available,attributes",
        'i1,"Pasta, fresh",food,italian|quick,2026-01-01T00:00:00Z,true,"{""price"": 3}"',
        "i2,No category,,x,2026-01-01T00:00:00Z,true,",
        'i3,"Multi',
        'line title",food,,2026-01-02T00:00:00Z,false,',
        "i4,Bad date,food,,yesterday,true,",
        "i5,Too,many,cells,here,true,{},extra",
        "i6,Bad flag,food,,2026-01-01T00:00:00Z,maybe,",
        "i1,Pasta again,food,,2026-01-03T00:00:00Z,,",
      ].join("\n") + "\n",
    );
    const catalog = recordingCatalog();
    const summary = await importFile("items", path, { catalog }, { progress: silentProgress });
    expect(summary).toMatchObject({ read: 7, imported: 2, duplicates: 1, rejected: 4, created: 2 });
    expect(summary.rejections.map(({ line, field }) => ({ line, field }))).toEqual([
      { line: 3, field: "category" },
      { line: 6, field: "publishedAt" },
      { line: 7, field: "row" },
      { line: 8, field: "available" },
    ]);
    const rows = catalog.batches.flatMap((batch) => batch.rows) as Record<string, unknown>[];
    // The later i1 replaced the earlier one in the batch; the multi-line title kept its line break.
    expect(rows).toEqual([
      { id: "i1", title: "Pasta again", category: "food", publishedAt: "2026-01-03T00:00:00Z" },
      { id: "i3", title: "Multi\nline title", category: "food", publishedAt: "2026-01-02T00:00:00Z", available: false },
    ]);
  });

  it("caps the listed rejections but counts them all", async () => {
    const path = join(dir, "bad-users.jsonl");
    await writeFile(path, Array.from({ length: 30 }, (_, index) => (index % 2 === 0 ? `{"id": "u${index}"}` : `{"id": "bad id ${index}"}`)).join("\n"));
    const catalog = recordingCatalog();
    const summary = await importFile("users", path, { catalog }, { progress: silentProgress, maxReportedRejections: 5 });
    expect(summary).toMatchObject({ read: 30, imported: 15, rejected: 15 });
    expect(summary.rejections.map((rejection) => rejection.line)).toEqual([2, 4, 6, 8, 10]);
    expect(summary.rejections[0]!.field).toBe("id");
  });
});

describe("events from JSONL", () => {
  it("passes parsed objects to the event writer and maps its verdicts back to lines", async () => {
    const path = join(dir, "events.jsonl");
    const event = (id: string) => JSON.stringify({ eventId: id, type: "click", userId: "u1", itemId: "i1", timestamp: "2026-01-01T00:00:00Z" });
    await writeFile(path, [event("e1"), "{not json", "", event("e2"), "[1,2]", event("e3")].join("\n") + "\n");
    const written: unknown[][] = [];
    const events: EventLogWriter = {
      async write(rows) {
        written.push([...rows]);
        // The writer judges each row; say the second one names an unknown item.
        const rejected = rows.length > 1 ? [{ index: 1, field: "itemId", reason: "unknown item" }] : [];
        return { inserted: rows.length - rejected.length, duplicates: 0, rejected };
      },
    };
    const summary = await importFile("events", path, { events }, { progress: silentProgress, eventBatchSize: 2 });
    expect(written.map((batch) => batch.map((row) => (row as { eventId: string }).eventId))).toEqual([["e1", "e2"], ["e3"]]);
    expect(summary).toMatchObject({ read: 5, imported: 2, rejected: 3 });
    expect(summary.rejections).toEqual([
      { line: 2, field: "row", reason: expect.stringContaining("not valid JSON") },
      { line: 4, field: "itemId", reason: "unknown item" },
      { line: 5, field: "row", reason: "must be a JSON object" },
    ]);
  });
});

describe("format detection", () => {
  it("goes by --format, then by extension", () => {
    expect(detectFileFormat("a.csv")).toBe("csv");
    expect(detectFileFormat("a.ndjson")).toBe("jsonl");
    expect(detectFileFormat("a.txt", "jsonl")).toBe("jsonl");
    expect(() => detectFileFormat("a.txt")).toThrow(/--format/);
  });
});
