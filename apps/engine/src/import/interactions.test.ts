// Generic interaction logs: the column mapping row by row, and whole CSV/TSV/JSONL files through
// the import runner (sinks without a database that judge rows by the API's own checks).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPositiveFor } from "./positiveSpec.ts";
import { silentProgress } from "../telemetry/progress.ts";
import { detectLogFormat, importInteractionLog } from "./interactionLog.ts";
import {
  DEFAULT_SYNTHETIC_TIME,
  interactionColumnsProblem,
  interactionToEvent,
  itemRowToItem,
  parseTime,
  parseTypeMap,
  type InteractionMapping,
} from "./interactions.ts";
import { recordingSinks } from "./testing/recordingSinks.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cascade-interactions-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mapping = (columns: Partial<InteractionMapping["columns"]>, idPrefix = "lf"): InteractionMapping => ({
  columns: { user: "user", item: "item", time: "ts", timeFormat: "auto", ...columns },
  idPrefix,
  defaultTime: DEFAULT_SYNTHETIC_TIME,
});
const one = (result: ReturnType<typeof interactionToEvent>) => {
  if (!Array.isArray(result)) throw new Error(`unexpected problem ${JSON.stringify(result)}`);
  return result[0]!;
};

describe("times", () => {
  it("reads unix seconds (with fractions), milliseconds and ISO-8601 (UTC without an offset)", () => {
    expect(parseTime("881250949", "unix-s")).toBe("1997-12-04T15:55:49.000Z");
    expect(parseTime("881250949.25", "auto")).toBe("1997-12-04T15:55:49.250Z");
    expect(parseTime("881250949250", "unix-ms")).toBe("1997-12-04T15:55:49.250Z");
    expect(parseTime("2009-05-04 23:08:57", "iso")).toBe("2009-05-04T23:08:57.000Z");
    expect(parseTime("2009-05-04", "auto")).toBe("2009-05-04T00:00:00.000Z");
    expect(parseTime("2009-05-04T23:08:57+02:00", "auto")).toBe("2009-05-04T21:08:57.000Z");
    expect(parseTime("yesterday", "auto")).toEqual({ reason: expect.stringContaining("ISO-8601") });
    expect(parseTime("2009-05-04", "unix-s")).toEqual({ reason: expect.stringContaining("seconds") });
    expect(parseTime("1e20", "unix-s")).toEqual({ reason: expect.stringContaining("out of range") });
  });
});

describe("one row → one event", () => {
  it("keeps a weight as context.weight and derives the id from the content only", () => {
    const row = { user: "u1", item: "a9", ts: "1241478537", plays: "37" };
    const event = one(interactionToEvent(mapping({ weight: "plays" }), row, 2));
    expect(event).toEqual({
      eventId: expect.stringMatching(/^lf:click:[A-Za-z0-9_-]{24}$/),
      type: "click",
      userId: "lf-user-u1",
      itemId: "lf-item-a9",
      timestamp: "2009-05-04T23:08:57.000Z",
      context: { weight: 37 },
    });
    // Same content on another line: the same event; another weight: another event.
    expect(one(interactionToEvent(mapping({ weight: "plays" }), row, 900)).eventId).toBe(event.eventId);
    expect(one(interactionToEvent(mapping({ weight: "plays" }), { ...row, plays: "38" }, 2)).eventId).not.toBe(event.eventId);
    // The same instant written another way is the same event.
    expect(one(interactionToEvent(mapping({ weight: "plays" }), { ...row, ts: "1241478537.0" }, 2)).eventId).toBe(event.eventId);
  });

  it("makes rating events from a rating column and takes the value of watch/purchase from the weight", () => {
    // Ratings are rescaled to the API's 0–10 (top of the log's scale: 5 by default).
    expect(one(interactionToEvent(mapping({ rating: "stars" }), { user: "u", item: "i", ts: "1", stars: "4.5" }, 2))).toMatchObject({
      type: "rating",
      value: 9,
    });
    expect(one(interactionToEvent({ ...mapping({ rating: "stars" }), ratingMax: 10 }, { user: "u", item: "i", ts: "1", stars: "4.5" }, 2))).toMatchObject({
      type: "rating",
      value: 4.5,
    });
    expect(interactionToEvent(mapping({ rating: "stars" }), { user: "u", item: "i", ts: "1", stars: "7" }, 2)).toEqual({
      field: "stars",
      reason: expect.stringMatching(/above the scale's top 5.*--rating-max/),
    });
    expect(one(interactionToEvent(mapping({ eventType: "watch", weight: "secs" }), { user: "u", item: "i", ts: "1", secs: "90" }, 2))).toMatchObject({
      type: "watch",
      value: 90,
      context: { weight: 90 },
    });
    const typed = mapping({ type: "action", weight: "amount" });
    expect(one(interactionToEvent(typed, { user: "u", item: "i", ts: "1", action: "Purchase", amount: "12.5" }, 2))).toMatchObject({
      type: "purchase",
      value: 12.5,
    });
    expect(one(interactionToEvent(typed, { user: "u", item: "i", ts: "1", action: "like", amount: "1" }, 2))).not.toHaveProperty("value");
  });

  it("renames the log's own event types by the type map", () => {
    const typeMap = parseTypeMap("View=click, addtocart=like,transaction=purchase");
    expect(Object.fromEntries(typeMap)).toEqual({ view: "click", addtocart: "like", transaction: "purchase" });
    const retail = mapping({ type: "event", weight: "amount", typeMap });
    expect(one(interactionToEvent(retail, { user: "u", item: "i", ts: "1", event: "VIEW", amount: "1" }, 2))).toMatchObject({
      type: "click",
      eventId: expect.stringMatching(/^lf:click:/),
    });
    expect(one(interactionToEvent(retail, { user: "u", item: "i", ts: "1", event: "transaction", amount: "9.5" }, 2))).toMatchObject({
      type: "purchase",
      value: 9.5,
    });
    expect(one(interactionToEvent(retail, { user: "u", item: "i", ts: "1", event: "share", amount: "1" }, 2))).toMatchObject({ type: "share" });
    // Only the map's own entries rename: an object's inherited names are not event types.
    expect(one(interactionToEvent(retail, { user: "u", item: "i", ts: "1", event: "constructor", amount: "1" }, 2))).toMatchObject({
      type: "constructor",
      eventId: expect.stringMatching(/^lf:event:/),
    });
    expect(() => parseTypeMap("view=look")).toThrow(/"look" is not an event type/);
    expect(() => parseTypeMap("view")).toThrow(/logType=eventType/);
  });

  it("gives rows without a time column a deterministic time in file order, left out of the id", () => {
    const untimed = mapping({ time: undefined });
    const first = one(interactionToEvent(untimed, { user: "u", item: "i" }, 2));
    const later = one(interactionToEvent(untimed, { user: "u", item: "i" }, 5));
    expect([first.timestamp, later.timestamp]).toEqual(["2000-01-01T00:00:01.000Z", "2000-01-01T00:00:04.000Z"]);
    expect(later.eventId).toBe(first.eventId);
  });

  it("names the column of a missing or unreadable cell", () => {
    expect(interactionToEvent(mapping({}), { user: "", item: "i", ts: "1" }, 2)).toEqual({ field: "user", reason: "user id is missing" });
    expect(interactionToEvent(mapping({}), { user: "u", item: "i", ts: "" }, 2)).toEqual({ field: "ts", reason: "time is missing" });
    expect(interactionToEvent(mapping({ weight: "plays" }), { user: "u", item: "i", ts: "1", plays: "many" }, 2)).toEqual({
      field: "plays",
      reason: 'weight "many" is not a number',
    });
    // An empty weight is no weight, unless the type needs it as its value.
    expect(one(interactionToEvent(mapping({ weight: "plays" }), { user: "u", item: "i", ts: "1", plays: "" }, 2))).not.toHaveProperty("context");
    expect(interactionToEvent(mapping({ eventType: "purchase", weight: "paid" }), { user: "u", item: "i", ts: "1", paid: "" }, 2)).toEqual({
      field: "paid",
      reason: "purchase value is missing",
    });
    expect(interactionToEvent(mapping({ type: "kind" }), { user: "u", item: "i", ts: "1", kind: " " }, 2)).toEqual({
      field: "kind",
      reason: "event type is missing",
    });
  });

  it("refuses a mapping that would reject every row", () => {
    expect(interactionColumnsProblem(mapping({ eventType: "watch" }).columns)).toMatch(/watch need a value: map a weight column/);
    expect(interactionColumnsProblem(mapping({ eventType: "rating" }).columns)).toMatch(/rating column/);
    expect(interactionColumnsProblem(mapping({ weight: "plays" }).columns)).toBeNull();
  });

  it("maps items-file rows: category from its column or the first genre, genres → tags", () => {
    const columns = { id: "movie", title: "name", genres: "genres", genreSeparator: "|" };
    expect(itemRowToItem("lf", columns, { movie: "7", name: "Heat", genres: "Action|Crime| |Action" })).toEqual([
      {
        id: "lf-item-7",
        title: "Heat",
        category: "Action",
        tags: ["Action", "Crime"],
        publishedAt: "1970-01-01T00:00:00.000Z",
        attributes: { source: "import" },
      },
    ]);
    expect(itemRowToItem("lf", { ...columns, category: "kind" }, { movie: "8", kind: "film", genres: "" })).toMatchObject([{ category: "film", tags: [] }]);
    expect(itemRowToItem("lf", columns, { movie: "9" })).toMatchObject([{ category: "unknown" }]);
    expect(itemRowToItem("lf", columns, { movie: "" })).toEqual({ field: "movie", reason: "item id is missing" });
  });
});

describe("whole logs", () => {
  it("imports a TSV play-count log with bare quotes, reports bad rows by line and creates the items it names", async () => {
    const path = join(dir, "plays.tsv");
    await writeFile(
      path,
      [
        "user_id\tartist\tplays\ttime\tnote",
        'u1\t"Weird Al" Yankovic\t12\t2009-05-04T23:08:57Z\t',
        'u1\tBjork\t3\t2009-05-05T10:00:00Z\tsaid "wow',
        "u2\tBjork\tlots\t2009-05-05T10:00:00Z\t",
        "u2\t\t5\t2009-05-05T10:00:00Z\t",
        "u2\tBjork\t1\tnever\t",
        'u1\tBjork\t3\t2009-05-05T10:00:00Z\tsaid "wow',
        "u3\tSigur.Ros\t2\t2009-05-06T10:00:00Z\t",
      ].join("\n") + "\n",
    );
    const sinks = recordingSinks();
    const result = await importInteractionLog(path, sinks, {
      columns: { user: "user_id", item: "artist", weight: "plays", time: "time", timeFormat: "iso" },
      idPrefix: "",
      progress: silentProgress,
      eventBatchSize: 2,
    });
    expect(result.positive).toEqual(defaultPositiveFor("weights"));
    const [summary] = result.summaries;
    expect(summary).toMatchObject({ read: 7, imported: 2, duplicates: 1, rejected: 4, itemsCreated: 2 });
    expect(summary!.rejections.map(({ line, field }) => ({ line, field }))).toEqual([
      { line: 2, field: "itemId" }, // the API's id contract: no spaces or quotes
      { line: 4, field: "plays" },
      { line: 5, field: "artist" },
      { line: 6, field: "time" },
    ]);
    expect([...sinks.stored.values()].map((event) => [event.userId, event.itemId, event.context])).toEqual([
      ["u1", "Bjork", { weight: 3 }],
      ["u3", "Sigur.Ros", { weight: 2 }],
    ]);
    expect(sinks.placeholders).toEqual([
      expect.objectContaining({ id: "Bjork", category: "unknown", publishedAt: "2009-05-05T10:00:00.000Z" }),
      expect.objectContaining({ id: "Sigur.Ros", category: "unknown" }),
    ]);
  });

  it("imports items first from an items file, so their genres become category and tags", async () => {
    const log = join(dir, "ratings.csv");
    await writeFile(log, ["userId,movieId,rating,timestamp", "1,10,4.5,1112486027", "1,11,3,1112486030", "2,12,11,1112486031", "2,10,2,1112486032"].join("\n"));
    const items = join(dir, "movies.jsonl");
    await writeFile(
      items,
      [JSON.stringify({ movieId: 10, title: "Heat", genres: "Action|Crime" }), "{oops", JSON.stringify({ movieId: 11, title: "Up", genres: "" })].join("\n"),
    );
    const sinks = recordingSinks();
    const result = await importInteractionLog(log, sinks, {
      columns: { user: "userId", item: "movieId", rating: "rating", time: "timestamp", timeFormat: "unix-s" },
      idPrefix: "m",
      itemsFile: { path: items, columns: { id: "movieId", title: "title", genres: "genres", genreSeparator: "|" } },
      progress: silentProgress,
    });
    expect(result.positive).toEqual(defaultPositiveFor("recbole"));
    expect(result.summaries.map(({ entity, read, imported, rejected }) => ({ entity, read, imported, rejected }))).toEqual([
      { entity: "items", read: 3, imported: 2, rejected: 1 },
      { entity: "events", read: 4, imported: 3, rejected: 1 },
    ]);
    expect(result.summaries[0]!.rejections).toEqual([{ line: 2, field: "row", reason: expect.stringContaining("not valid JSON") }]);
    // A rating of 11 is above the log's 5-star scale: rejected on its line, the others kept.
    expect(result.summaries[1]!.rejections).toEqual([{ line: 4, field: "rating", reason: expect.stringMatching(/above the scale's top 5/) }]);
    expect(sinks.items.get("m-item-10")).toMatchObject({ title: "Heat", category: "Action", tags: ["Action", "Crime"] });
    expect(sinks.items.get("m-item-11")).toMatchObject({ category: "unknown", tags: [] });
    expect(sinks.placeholders).toEqual([]);
    expect([...sinks.stored.values()].map((event) => [event.itemId, event.type, event.value])).toEqual([
      // 5-star ratings on the API's 0–10 scale.
      ["m-item-10", "rating", 9],
      ["m-item-11", "rating", 6],
      ["m-item-10", "rating", 4],
    ]);
  });

  it("imports JSONL with numbers as numbers, and a second run stores nothing new", async () => {
    const path = join(dir, "clicks.jsonl");
    const rows = [
      { u: 1, i: "a", at: 1700000000000, kind: "click" },
      { u: 1, i: "b", at: 1700000001000, kind: "like" },
      { u: 2, i: "a", at: 1700000002000, kind: "impression" },
      { u: 2, i: "a", at: 1700000002000, kind: "teleport" },
    ];
    await writeFile(path, rows.map((row) => JSON.stringify(row)).join("\n"));
    const sinks = recordingSinks();
    const options = { columns: { user: "u", item: "i", time: "at", timeFormat: "unix-ms" as const, type: "kind" }, idPrefix: "shop", progress: silentProgress };
    const first = await importInteractionLog(path, sinks, options);
    expect(first.positive).toEqual(defaultPositiveFor("events"));
    expect(first.summaries[0]).toMatchObject({ read: 4, imported: 3, rejected: 1, rejections: [{ line: 4, field: "type" }], itemsCreated: 2 });
    expect([...sinks.stored.values()].map((event) => [event.userId, event.itemId, event.type, event.timestamp])).toEqual([
      ["shop-user-1", "shop-item-a", "click", "2023-11-14T22:13:20.000Z"],
      ["shop-user-1", "shop-item-b", "like", "2023-11-14T22:13:21.000Z"],
      ["shop-user-2", "shop-item-a", "impression", "2023-11-14T22:13:22.000Z"],
    ]);
    const second = await importInteractionLog(path, sinks, options);
    expect(second.summaries[0]).toMatchObject({ imported: 0, duplicates: 3, itemsCreated: 0 });
  });
});

describe("format detection", () => {
  it("goes by --format, then by extension", () => {
    expect(detectLogFormat("plays.tsv")).toBe("tsv");
    expect(detectLogFormat("a.csv")).toBe("csv");
    expect(detectLogFormat("a.ndjson")).toBe("jsonl");
    expect(detectLogFormat("a.log", "tsv")).toBe("tsv");
    expect(() => detectLogFormat("a.log")).toThrow(/--format csv, tsv or jsonl/);
  });
});
