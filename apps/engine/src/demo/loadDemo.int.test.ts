// Seeds `tiny` into a scratch database of its own (the shared TEST_DATABASE_URL database is used
// by other test files in the same run) and checks what landed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { apiKeyMatches, DEMO_API_KEY, DEMO_CONSOLE_EMAIL, DEMO_CONSOLE_PASSWORD, parseApiKeyPrefix, verifyPassword } from "@cascade/core";
import { createScratchDatabase, type ScratchDatabase } from "../testing/scratchDatabase.ts";
import { DemoDatabaseNotEmptyError, isDatabaseEmpty, seedDemo, type DemoSummary } from "./loadDemo.ts";

const END = Date.UTC(2025, 5, 1);
let databaseUrl: string;
let scratch: ScratchDatabase;

let db: pg.Client;
let summary: DemoSummary;

beforeAll(async () => {
  scratch = await createScratchDatabase("cascade_demo_seed");
  databaseUrl = scratch.url;
  expect(await isDatabaseEmpty(databaseUrl)).toBe(true);
  summary = await seedDemo({ databaseUrl, size: "tiny", seed: 7, overrides: { endAtMs: END } });
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
  await scratch?.drop();
});

const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);

describe("seedDemo (tiny)", () => {
  it("loads as many rows as the summary reports", async () => {
    expect(await count(`SELECT count(*) AS n FROM creators`)).toBe(summary.creators);
    expect(await count(`SELECT count(*) AS n FROM items`)).toBe(summary.items);
    expect(await count(`SELECT count(*) AS n FROM users`)).toBe(summary.users);
    expect(await count(`SELECT count(*) AS n FROM follows`)).toBe(summary.follows);
    expect(await count(`SELECT count(*) AS n FROM events`)).toBe(summary.events);
    expect(summary).toMatchObject({ size: "tiny", seed: 7, items: 500, users: 200, windowEnd: new Date(END).toISOString() });
    expect(summary.events).toBeGreaterThan(10_000);
    const byType = await db.query<{ type: string; n: string }>(`SELECT type, count(*) AS n FROM events GROUP BY type`);
    expect(Object.fromEntries(byType.rows.map((row) => [row.type, Number(row.n)]))).toEqual(summary.eventsByType);
    expect(await isDatabaseEmpty(databaseUrl)).toBe(false);
  });

  it("writes events that reference existing items and users, with demo ids", async () => {
    expect(await count(`SELECT count(*) AS n FROM events e WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = e.item_id)`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM events e WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = e.user_id)`)).toBe(0);
    const first = await db.query(`SELECT * FROM events ORDER BY event_id LIMIT 1`);
    expect(first.rows[0]).toMatchObject({ event_id: "demo-7-0000000000", type: "impression", position: 0, surface: "home" });
    expect(first.rows[0].request_id).toMatch(/^demo-7-req-/);
    expect(first.rows[0].propensity).toBeGreaterThan(0);
    expect(await count(`SELECT count(*) AS n FROM events WHERE propensity <= 0 OR propensity > 1 OR request_id IS NULL`)).toBe(0);
  });

  it("marks fresh and unavailable items as the summary says", async () => {
    const fresh = await count(`SELECT count(*) AS n FROM items WHERE published_at >= '${new Date(END - 2 * 86_400_000).toISOString()}'`);
    expect(fresh).toBe(summary.freshItems);
    expect(await count(`SELECT count(*) AS n FROM items WHERE NOT available`)).toBe(summary.unavailableItems);
  });

  it("restores the indexes and foreign keys it set aside for the bulk load", async () => {
    const foreignKeys = await db.query<{ conname: string }>(`SELECT conname FROM pg_constraint WHERE contype = 'f' ORDER BY conname`);
    expect(foreignKeys.rows.map((row) => row.conname)).toEqual(
      expect.arrayContaining(["follows_creator_id_fkey", "follows_user_id_fkey", "items_creator_id_fkey"]),
    );
    expect(await count(`SELECT count(*) AS n FROM pg_indexes WHERE tablename IN ('items', 'follows')`)).toBe(8); // items: pkey, category, creator+published, published, updated_at, search; follows: pkey, creator
    const indexes = await db.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename = 'events' ORDER BY indexname`);
    expect(indexes.rows.map((row) => row.indexname)).toEqual([
      "events_event_id_key",
      "events_occurred_at_idx",
      "events_pkey",
      "events_received_at_idx",
      "events_request_id_idx",
      "events_user_consumption_idx",
      "events_user_id_occurred_at_idx",
    ]);
  });

  it("creates the demo API key, console users, surfaces, rule sets and an audit entry", async () => {
    const key = await db.query(`SELECT * FROM api_keys WHERE prefix = $1`, [parseApiKeyPrefix(DEMO_API_KEY)]);
    expect(key.rows).toHaveLength(1);
    expect(apiKeyMatches(DEMO_API_KEY, key.rows[0].hashed_key)).toBe(true);
    expect(key.rows[0].scopes).toEqual(["admin"]);

    const admin = await db.query(`SELECT * FROM console_users WHERE email = $1`, [DEMO_CONSOLE_EMAIL]);
    expect(admin.rows[0].role).toBe("admin");
    expect(verifyPassword(DEMO_CONSOLE_PASSWORD, admin.rows[0].password_hash)).toBe(true);
    const roles = await db.query<{ role: string }>(`SELECT role FROM console_users ORDER BY role`);
    expect(roles.rows.map((row) => row.role)).toEqual(expect.arrayContaining(["admin", "product_manager", "data_scientist"]));

    const ruleSets = await db.query(`SELECT surface_id, version, status, config FROM rule_sets ORDER BY surface_id`);
    expect(ruleSets.rows.map((row) => [row.surface_id, row.version, row.status])).toEqual([
      ["home", 1, "published"],
      ["related", 1, "published"],
    ]);
    expect(ruleSets.rows[0].config).toMatchObject({ blend: { click: 1 } });
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'demo.seed'`)).toBe(1);
  });

  it("refuses a second seed without force, and replaces the data with force", async () => {
    await expect(seedDemo({ databaseUrl, size: "tiny", seed: 7, overrides: { endAtMs: END } })).rejects.toBeInstanceOf(DemoDatabaseNotEmptyError);
    const again = await seedDemo({ databaseUrl, size: "tiny", seed: 7, overrides: { endAtMs: END, events: 2_000 }, force: true });
    expect(await count(`SELECT count(*) AS n FROM events`)).toBe(again.events);
    expect(await count(`SELECT count(*) AS n FROM items`)).toBe(500);
    expect(await count(`SELECT count(*) AS n FROM console_users`)).toBe(summary.consoleUsers.length);
    expect(await count(`SELECT count(*) AS n FROM api_keys`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM rule_sets`)).toBe(2);
  });

  it("leaves nothing half-loaded when the bulk load fails", async () => {
    // An event id the demo is about to write already exists: the load fails at its very end,
    // when the unique index is rebuilt, after every table has been copied.
    await db.query(`INSERT INTO events (event_id, type, user_id, item_id, occurred_at) VALUES ('demo-8-0000000100', 'click', 'x', 'y', now())`);
    await db.query(`TRUNCATE creators, items, users, follows`);
    await expect(seedDemo({ databaseUrl, size: "tiny", seed: 8, overrides: { endAtMs: END } })).rejects.toThrow(/duplicate key|unique/);
    expect(await count(`SELECT count(*) AS n FROM items`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM users`)).toBe(0);
    expect(await isDatabaseEmpty(databaseUrl)).toBe(true);
    expect(await count(`SELECT count(*) AS n FROM pg_indexes WHERE tablename = 'events'`)).toBe(7);
    expect(await count(`SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('items'::regclass, 'follows'::regclass)`)).toBe(3);
  });
});
