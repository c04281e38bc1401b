// Point-in-time correctness against the real event log: events placed around an impression at t
// (before, at exactly t, 1 ms after, at the end of the label window and just past it) must never
// reach the features, and must label exactly as documented.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrismaClient, type Database } from "@cascade/db";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { featureRegistry } from "../../features/registry.ts";
import { insertEvents, insertItems, type FixtureEvent } from "../../jobs/testing/eventLogFixtures.ts";
import { buildTrainingSet } from "./trainingSet.ts";

const MINUTE = 60_000;
const W = 30 * MINUTE;
/** A minute boundary in a period no other test file writes events to. */
const T = Date.UTC(2031, 2, 3, 12, 0);
const START = T - 3 * 3_600_000;
const USER = "ts-user";

/** user `ts-user`, items ts-a (music) and ts-b (sports). */
const HISTORY: FixtureEvent[] = [
  { eventId: "ts-01", type: "impression", userId: USER, itemId: "ts-a", occurredAt: T - 2 * 3_600_000 },
  { eventId: "ts-02", type: "click", userId: USER, itemId: "ts-a", occurredAt: T - 10 * MINUTE },
  { eventId: "ts-03", type: "like", userId: USER, itemId: "ts-b", occurredAt: T - MINUTE },
  { eventId: "ts-04", type: "impression", userId: USER, itemId: "ts-b", occurredAt: T - 30_000 },
  { eventId: "ts-05", type: "click", userId: USER, itemId: "ts-b", occurredAt: T - 1 },
  // The example: an impression of ts-a at exactly t.
  { eventId: "ts-10", type: "impression", userId: USER, itemId: "ts-a", occurredAt: T, requestId: "req-1", position: 2, surface: "home", propensity: 0.25 },
];
const FUTURE: FixtureEvent[] = [
  { eventId: "ts-11", type: "click", userId: USER, itemId: "ts-a", occurredAt: T, requestId: "req-1" }, // at t: a label, not a feature
  { eventId: "ts-12", type: "click", userId: USER, itemId: "ts-b", occurredAt: T }, // at t, other item: neither
  { eventId: "ts-13", type: "like", userId: USER, itemId: "ts-a", occurredAt: T + 1 }, // 1 ms after: label
  { eventId: "ts-14", type: "watch", userId: USER, itemId: "ts-a", occurredAt: T + 1, value: 30 },
  { eventId: "ts-15", type: "impression", userId: USER, itemId: "ts-b", occurredAt: T + 1 },
  { eventId: "ts-16", type: "watch", userId: USER, itemId: "ts-a", occurredAt: T + W - 1, value: 12.5 }, // last ms of the window
  { eventId: "ts-17", type: "purchase", userId: USER, itemId: "ts-a", occurredAt: T + W, value: 9 }, // window closed
  { eventId: "ts-18", type: "share", userId: USER, itemId: "ts-a", occurredAt: T + W, requestId: "req-other" },
  // Watch seconds outside the window, or of another request's slate, are not this example's.
  { eventId: "ts-19", type: "watch", userId: USER, itemId: "ts-a", occurredAt: T + W, value: 100 },
  { eventId: "ts-1a", type: "watch", userId: USER, itemId: "ts-a", occurredAt: T + 2, value: 1000, requestId: "req-other" },
  // A second example after the window, whose features do see everything before it.
  { eventId: "ts-20", type: "impression", userId: USER, itemId: "ts-a", occurredAt: T + 2 * W },
];

type Row = Record<string, string>;

function readCsv(path: string): Row[] {
  const [header, ...lines] = readFileSync(path, "utf8").trimEnd().split("\n");
  const names = header!.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((cell, index) => [names[index]!, cell])));
}

describe("buildTrainingSet", () => {
  let db: Database;
  let dir: string;

  beforeAll(async () => {
    db = createPrismaClient(process.env.TEST_DATABASE_URL!);
    dir = mkdtempSync(join(tmpdir(), "cascade-training-set-"));
    await db.event.deleteMany({ where: { eventId: { startsWith: "ts-" } } });
    await insertItems(db, { "ts-a": "music", "ts-b": "sports" });
    await insertEvents(db, [...HISTORY, ...FUTURE]);
  });

  afterAll(async () => {
    await db.event.deleteMany({ where: { eventId: { startsWith: "ts-" } } });
    await db.$disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const build = (out: string, format: "csv" | "parquet" | "jsonl") =>
    buildTrainingSet(db, { from: new Date(T), to: new Date(T + 2 * W + 1), out, format, labelWindowMs: W, warmupFrom: new Date(START) });

  it("joins the features as of t — nothing at or after t — and labels [t, t + W)", async () => {
    const out = join(dir, "full.csv");
    const summary = await build(out, "csv");
    const rows = readCsv(out);
    expect(summary.examples).toBe(3);
    expect(rows.map((row) => [row.item_id, row.impression_at])).toEqual([
      ["ts-a", new Date(T).toISOString()],
      ["ts-b", new Date(T + 1).toISOString()],
      ["ts-a", new Date(T + 2 * W).toISOString()],
    ]);
    expect(Object.keys(rows[0]!)).toEqual(summary.columns);
    expect(summary.columns.slice(-featureRegistry.names.length)).toEqual(featureRegistry.names);

    const example = rows[0]!;
    // Position and propensity are the impression's own (what the server logged when it served it).
    expect(example).toMatchObject({ request_id: "req-1", surface: "home", position: "2", propensity: "0.25" });
    expect(rows[1]).toMatchObject({ position: "", propensity: "" });
    // Labels: click at exactly t, like and watch 1 ms after, watch at t + W − 1; not the purchase
    // or share at t + W (the share also belongs to another request).
    expect(example).toMatchObject({
      label_click: "1",
      label_like: "1",
      label_watch: "1",
      label_share: "0",
      label_purchase: "0",
      label_negative: "0",
      watch_seconds: "42.5",
    });
    // Features: only the five events before t. The click on ts-b at t − 1 ms is in, the clicks at t
    // are not.
    expect(Number(example.user_clicks_5m)).toBe(1);
    expect(Number(example.user_clicks_1h)).toBe(2);
    expect(Number(example.user_likes_5m)).toBe(1);
    expect(Number(example.user_impressions_5m)).toBe(1);
    expect(Number(example.user_impressions_24h)).toBe(2);
    expect(Number(example.user_watch_seconds_24h)).toBe(0);
    expect(Number(example.user_recent_items_count)).toBe(2);
    expect(Number(example.user_item_recently_interacted)).toBe(1);
    expect(Number(example.user_item_hours_since_interaction)).toBeCloseTo(10 / 60, 9);
    expect(Number(example.item_clicks_3d)).toBeCloseTo(2 ** (-(10 * MINUTE) / (3 * 24 * 3_600_000)), 9);
    expect(Number(example.item_impressions_3d)).toBeCloseTo(2 ** (-2 / 72), 9);
    expect(Number(example.context_hour_of_day)).toBe(12);

    // The later example sees the events after the first one, including its labels.
    const later = rows[2]!;
    expect(Number(later.user_clicks_24h)).toBe(4);
    expect(Number(later.user_watch_seconds_24h)).toBe(42.5 + 100 + 1000);
  });

  it("gives t's example the same features when everything at or after t is removed from the log", async () => {
    const full = readCsv(join(dir, "full.csv"))[0]!;
    const featuresOf = (row: Row) => Object.fromEntries(featureRegistry.names.map((name) => [name, row[name]]));
    await db.event.deleteMany({ where: { eventId: { in: FUTURE.map((event) => event.eventId) } } });
    try {
      const out = join(dir, "truncated.csv");
      await build(out, "csv");
      const [alone] = readCsv(out);
      expect(featuresOf(alone!)).toEqual(featuresOf(full));
      expect(alone!.label_click).toBe("0");
    } finally {
      await insertEvents(db, FUTURE);
    }
  });

  it("writes the same table whatever the event log's page size (runs of one time span pages)", async () => {
    const paged = join(dir, "paged.csv");
    const whole = join(dir, "whole.csv");
    const small = await buildTrainingSet(db, {
      from: new Date(T),
      to: new Date(T + 2 * W + 1),
      out: paged,
      format: "csv",
      labelWindowMs: W,
      warmupFrom: new Date(START),
      pageSize: 2,
    });
    const large = await buildTrainingSet(db, {
      from: new Date(T),
      to: new Date(T + 2 * W + 1),
      out: whole,
      format: "csv",
      labelWindowMs: W,
      warmupFrom: new Date(START),
      pageSize: 10_000,
    });
    expect(small.eventsRead).toBe(large.eventsRead);
    expect(small.eventsRead).toBeGreaterThan(4);
    expect(readFileSync(paged, "utf8")).toBe(readFileSync(whole, "utf8"));
  });

  it("writes the same table as Parquet and JSON Lines", async () => {
    const csv = readCsv(join(dir, "full.csv"));
    const parquetPath = join(dir, "full.parquet");
    await build(parquetPath, "parquet");
    const bytes = readFileSync(parquetPath);
    const rows = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
    expect(rows).toHaveLength(csv.length);
    expect(Object.keys(rows[0]!)).toEqual(Object.keys(csv[0]!));
    expect(rows[0]!.item_id).toBe("ts-a");
    expect(rows[0]!.position).toBe(2);
    expect(new Date(rows[0]!.impression_at as Date).getTime()).toBe(T);
    expect(rows[0]!.propensity).toBe(0.25);
    expect(rows[0]!.watch_seconds).toBe(42.5);
    expect(rows[1]!.request_id).toBeNull();
    expect(rows[1]!.propensity).toBeNull();
    for (const name of featureRegistry.names) expect(rows[0]![name]).toBeCloseTo(Number(csv[0]![name]), 12);

    const jsonlPath = join(dir, "full.jsonl");
    await build(jsonlPath, "jsonl");
    const lines = readFileSync(jsonlPath, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(csv.length);
    expect(lines[0]).toMatchObject({ item_id: "ts-a", label_click: 1, watch_seconds: 42.5, impression_at: new Date(T).toISOString() });
  });
});
