// `cascade import` against real PostgreSQL (and, for the API comparison, the real engine on Redis):
// bad rows reported by line with good rows imported, re-runs changing nothing, imported events
// leaving the same event log and rollups as the API path, and a synthetic MovieLens round trip.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentProgress } from "../telemetry/progress.ts";
import { runFileImport } from "../cli/importCommand.ts";
import { startTestEngine, type TestEngine } from "../server/testing/testEngine.ts";
import { importMovieLens } from "./movieLens.ts";
import { openImportSinks } from "./importSinks.ts";
import { generateSyntheticMovieLens } from "./syntheticMovieLens.ts";

const databaseUrl = () => process.env.TEST_DATABASE_URL!;
const quietLogger = { warn: () => undefined };
let dir: string;
let sql: pg.Client;
const run = `imp${randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cascade-import-int-"));
  sql = new pg.Client({ connectionString: databaseUrl() });
  await sql.connect();
});
afterAll(async () => {
  await sql.end();
  await rm(dir, { recursive: true, force: true });
});

const options = { batchSize: 3, showRejections: 20 };
const importOf = (entity: "items" | "users" | "follows" | "events", file: string) => runFileImport(databaseUrl(), entity, file, options, silentProgress);
const count = async (query: string, values: unknown[] = []) => Number((await sql.query<{ n: string }>(query, values)).rows[0]!.n);

async function rollupsOf(surface: string) {
  const { rows } = await sql.query(
    `SELECT bucket_start, impressions, clicks, likes, shares, hides, purchases, purchase_value, watch_seconds, distinct_users
     FROM metric_rollups WHERE surface = $1 ORDER BY bucket_start`,
    [surface],
  );
  return rows;
}

describe("CSV and JSONL files", () => {
  const files = {
    items: "",
    users: "",
    follows: "",
    events: "",
  };
  const surface = `${run}-csv`;

  beforeAll(async () => {
    files.items = join(dir, "items.csv");
    await writeFile(
      files.items,
      [
        "id,title,category,creatorId,tags,publishedAt,attributes",
        `${run}-i1,"Soup, hot",food,${run}-c1,warm|quick,2026-01-01T00:00:00Z,"{""price"": 4}"`,
        `${run}-i2,Salad,food,${run}-c1,,2026-01-02T00:00:00Z,`,
        `${run}-i3,Nothing,,${run}-c2,,2026-01-02T00:00:00Z,`,
        `${run}-i4,Cake,dessert,,,2026-01-03T00:00:00Z,`,
      ].join("\n"),
    );
    files.users = join(dir, "users.jsonl");
    await writeFile(files.users, [`{"id":"${run}-u1","attributes":{"country":"fr"}}`, `{"id":"${run}-u2"}`, `{"id":"${run} bad"}`].join("\n"));
    files.follows = join(dir, "follows.csv");
    await writeFile(
      files.follows,
      ["userId,creatorId,at", `${run}-u1,${run}-c1,2026-01-05T00:00:00Z`, `${run}-u3,${run}-nobody,`, `${run}-u2,${run}-c1,`].join("\n"),
    );
    files.events = join(dir, "events.csv");
    const minute = (m: number) => `2026-01-10T10:0${m}:00Z`;
    await writeFile(
      files.events,
      [
        "eventId,type,userId,itemId,timestamp,value,surface,position",
        `${run}-e1,impression,${run}-u1,${run}-i1,${minute(1)},,${surface},0`,
        `${run}-e2,click,${run}-u1,${run}-i1,${minute(1)},,${surface},0`,
        `${run}-e3,watch,${run}-u2,${run}-i2,${minute(2)},35.5,${surface},`,
        `${run}-e4,watch,${run}-u2,${run}-i2,${minute(2)},,${surface},`,
        `${run}-e5,click,${run}-u9,${run}-i99,${minute(2)},,${surface},`,
        `${run}-e6,teleport,${run}-u1,${run}-i1,${minute(3)},,${surface},`,
        `${run}-e7,purchase,${run}-u4,${run}-i4,${minute(3)},12,${surface},1`,
        `${run}-e2,click,${run}-u1,${run}-i1,${minute(1)},,${surface},0`,
        `${run}-e8,rating,${run}-u1,${run}-i2,${minute(4)},4.5,${surface},`,
      ].join("\n"),
    );
  });

  it("imports the good rows and reports each bad one by line and field", async () => {
    const items = await importOf("items", files.items);
    expect(items).toMatchObject({ read: 4, imported: 3, created: 3, rejected: 1, rejections: [{ line: 4, field: "category" }] });
    const users = await importOf("users", files.users);
    expect(users).toMatchObject({ read: 3, imported: 2, rejected: 1, rejections: [{ line: 3, field: "id" }] });
    const follows = await importOf("follows", files.follows);
    // The unknown creator is found by the API handler (a database check), not by the contract.
    expect(follows).toMatchObject({ read: 3, imported: 2, created: 2, rejected: 1, rejections: [{ line: 3, field: "creatorId" }] });
    const events = await importOf("events", files.events);
    expect(events).toMatchObject({ read: 9, imported: 5, duplicates: 1, rejected: 3 });
    expect(events.rejections.map(({ line, field }) => ({ line, field }))).toEqual([
      { line: 5, field: "value" },
      { line: 6, field: "itemId" },
      { line: 7, field: "type" },
    ]);

    const item = await sql.query("SELECT title, category, creator_id, tags, attributes FROM items WHERE id = $1", [`${run}-i1`]);
    expect(item.rows[0]).toEqual({ title: "Soup, hot", category: "food", creator_id: `${run}-c1`, tags: ["warm", "quick"], attributes: { price: 4 } });
    expect(await count("SELECT count(*) AS n FROM items WHERE id LIKE $1", [`${run}-%`])).toBe(3);
    expect(await count("SELECT count(*) AS n FROM follows WHERE creator_id = $1", [`${run}-c1`])).toBe(2);
    expect(await count("SELECT count(*) AS n FROM events WHERE event_id LIKE $1", [`${run}-%`])).toBe(5);
    // Users named only by events were created, as the offline-log consumer does.
    expect(await count("SELECT count(*) AS n FROM users WHERE id = $1", [`${run}-u4`])).toBe(1);
    // Rejected events are dead letters, as through the API.
    expect(await count("SELECT count(*) AS n FROM rejected_events WHERE event_id IN ($1, $2, $3)", [`${run}-e4`, `${run}-e5`, `${run}-e6`])).toBe(3);
    const rollups = await rollupsOf(surface);
    expect(rollups.map((row) => [row.impressions, row.clicks, row.purchases, Number(row.watch_seconds), Number(row.purchase_value)])).toEqual([
      [1, 1, 0, 0, 0],
      [0, 0, 0, 35.5, 0],
      [0, 0, 1, 0, 12],
      [0, 0, 0, 0, 0],
    ]);
  });

  it("changes nothing when run again", async () => {
    const tables = async () => ({
      items: await sql.query("SELECT id, title, category, tags, updated_at FROM items WHERE id LIKE $1 ORDER BY id", [`${run}-%`]),
      users: await sql.query("SELECT id, attributes, updated_at FROM users WHERE id LIKE $1 ORDER BY id", [`${run}-%`]),
      follows: await sql.query("SELECT user_id, creator_id, created_at FROM follows WHERE creator_id LIKE $1 ORDER BY 1, 2", [`${run}-%`]),
      events: await sql.query("SELECT event_id, received_at FROM events WHERE event_id LIKE $1 ORDER BY 1", [`${run}-%`]),
      rollups: await rollupsOf(surface),
    });
    const before = await tables();
    const again = {
      items: await importOf("items", files.items),
      users: await importOf("users", files.users),
      follows: await importOf("follows", files.follows),
      events: await importOf("events", files.events),
    };
    expect(again.items).toMatchObject({ imported: 3, created: 0, updated: 0 });
    expect(again.users).toMatchObject({ imported: 2, created: 0, updated: 0 });
    expect(again.follows).toMatchObject({ imported: 2, created: 0 });
    expect(again.events).toMatchObject({ read: 9, imported: 0, duplicates: 6, rejected: 3 });
    const after = await tables();
    for (const table of ["items", "users", "follows", "events"] as const) expect(after[table].rows).toEqual(before[table].rows);
    expect(after.rollups).toEqual(before.rollups);
  });
});

describe("imported events and API events leave the same state", () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine();
  });
  afterAll(async () => {
    await engine.close();
  });

  it("writes the same event rows, users and rollups as POST /v1/events and the consumers", async () => {
    const item = `${run}-same-item`;
    const catalogue = await engine.createApiKey(["ingest"]);
    const put = await engine.app.inject({
      method: "PUT",
      url: "/v1/items",
      headers: { authorization: catalogue.authorization },
      payload: { items: [{ id: item, category: "x", publishedAt: "2026-02-01T00:00:00Z" }] },
    });
    expect(put.statusCode).toBe(200);
    const types = ["impression", "click", "like", "share", "hide", "dislike", "watch", "purchase", "rating"] as const;
    const eventsFor = (path: "api" | "file") =>
      Array.from({ length: 40 }, (_, index) => {
        const type = types[index % types.length]!;
        const value = type === "watch" ? 10 + index : type === "purchase" ? index / 4 : type === "rating" ? 1 + (index % 5) : undefined;
        return {
          eventId: `${run}-${path}-${index}`,
          type,
          userId: `${run}-${path}-user-${index % 7}`,
          itemId: item,
          timestamp: new Date(Date.UTC(2026, 1, 2, 9, index % 6, index)).toISOString(),
          ...(value === undefined ? {} : { value }),
          surface: `${run}-${path}`,
          position: index % 4,
          context: { experiment: "exp", variant: index % 2 === 0 ? "a" : "b" },
        };
      });
    const viaApi = await engine.app.inject({
      method: "POST",
      url: "/v1/events",
      headers: { authorization: catalogue.authorization },
      payload: { events: eventsFor("api") },
    });
    expect(viaApi.json()).toMatchObject({ accepted: 40 });
    await engine.settleEvents();

    const file = join(dir, "same.jsonl");
    await writeFile(
      file,
      eventsFor("file")
        .map((event) => JSON.stringify(event))
        .join("\n"),
    );
    const imported = await runFileImport(databaseUrl(), "events", file, { batchSize: 7, showRejections: 5 }, silentProgress);
    expect(imported).toMatchObject({ imported: 40, rejected: 0 });

    const eventRows = async (path: string) =>
      (
        await sql.query(
          `SELECT replace(event_id, $2, '') AS id, type, replace(user_id, $2, '') AS user_id, item_id, occurred_at, value, position, propensity, context
           FROM events WHERE surface = $1 ORDER BY event_id`,
          [`${run}-${path}`, `-${path}-`],
        )
      ).rows;
    expect(await eventRows("file")).toEqual(await eventRows("api"));
    expect(await rollupsOf(`${run}-file`)).toEqual(await rollupsOf(`${run}-api`));
    expect(await count("SELECT count(*) AS n FROM users WHERE id LIKE $1", [`${run}-file-user-%`])).toBe(7);
  });
});

describe("synthetic MovieLens round trip", () => {
  for (const format of ["ml-1m", "ml-latest"] as const) {
    it(`imports ${format} files completely and re-imports nothing`, async () => {
      const target = join(dir, format);
      const generated = await generateSyntheticMovieLens({ dir: target, format, users: 40, items: 60, ratings: 1_200, seed: 11 });
      const prefix = `${run}${format === "ml-1m" ? "a" : "b"}`;
      const load = async () => {
        const open = await openImportSinks(databaseUrl(), quietLogger);
        try {
          return await importMovieLens(target, open.sinks, { mapping: { idPrefix: prefix }, eventBatchSize: 500, progress: silentProgress });
        } finally {
          await open.close();
        }
      };
      const first = await load();
      expect(first.layout.format).toBe(format);
      const ratingsFile = generated.files.at(-1)!;
      const lines = (await readFile(ratingsFile, "latin1"))
        .trim()
        .split("\n")
        .slice(format === "ml-latest" ? 1 : 0);
      const starsInFile = lines.reduce((sum, line) => sum + Number(line.split(format === "ml-latest" ? "," : "::")[2]), 0);
      const eventSummary = first.summaries.at(-1)!;
      expect(eventSummary).toMatchObject({ entity: "events", read: lines.length, imported: lines.length, rejected: 0 });
      expect(first.summaries[0]).toMatchObject({ entity: "items", imported: 60, rejected: 0 });
      expect(first.summaries.length).toBe(format === "ml-1m" ? 3 : 2);

      const stored = await sql.query<{ n: string; stars: number }>(
        "SELECT count(*) AS n, sum(value) AS stars FROM events WHERE item_id LIKE $1 AND type = 'rating'",
        [`${prefix}-movie-%`],
      );
      expect(Number(stored.rows[0]!.n)).toBe(lines.length);
      expect(stored.rows[0]!.stars).toBeCloseTo(starsInFile * 2, 6); // stars on the API's 0–10 scale
      expect(await count("SELECT count(*) AS n FROM users WHERE id LIKE $1", [`${prefix}-user-%`])).toBe(40);
      expect(await count("SELECT count(DISTINCT category) AS n FROM items WHERE id LIKE $1", [`${prefix}-movie-%`])).toBeGreaterThan(3);

      const second = await load();
      expect(second.summaries.at(-1)).toMatchObject({ imported: 0, duplicates: lines.length });
      expect(second.summaries[0]).toMatchObject({ created: 0, updated: 0 });
    });
  }
});
