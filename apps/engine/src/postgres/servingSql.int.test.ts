// The request path's SQL pool on real PostgreSQL: statements are prepared once per connection and
// reused (not planned anew per request), and the same rows come back as unprepared.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { pooledServingSql, type ServingSql } from "./servingSql.ts";

let sql: ServingSql;

beforeAll(() => {
  // One connection: every statement below runs on it, so its prepared statements are visible.
  sql = pooledServingSql({ databaseUrl: process.env.TEST_DATABASE_URL!, logger: pino({ level: "silent" }), maxConnections: 1 });
});

afterAll(async () => {
  await sql.close();
});

describe("pooledServingSql", () => {
  it("prepares each distinct statement once per connection and reuses it", async () => {
    const text = "SELECT $1::int + $2::int AS total";
    for (const [a, b] of [
      [1, 2],
      [3, 4],
      [5, 6],
    ])
      expect(await sql.rows<{ total: number }>(text, [a, b])).toEqual([{ total: a! + b! }]);
    await sql.rows("SELECT $1::text AS other", ["x"]);
    const prepared = await sql.rows<{ statement: string; calls: string }>(
      "SELECT statement, generic_plans + custom_plans AS calls FROM pg_prepared_statements WHERE name LIKE 'cascade_%' ORDER BY statement",
      [],
    );
    const ours = prepared.map((row) => row.statement).filter((statement) => !statement.includes("pg_prepared_statements"));
    expect(ours).toEqual(["SELECT $1::int + $2::int AS total", "SELECT $1::text AS other"]);
    expect(Number(prepared.find((row) => row.statement === text)!.calls)).toBe(3);
  });

  it("plans each prepared statement once (generic plan), not per execution", async () => {
    expect(await sql.rows<{ plan_cache_mode: string }>("SHOW plan_cache_mode", [])).toEqual([{ plan_cache_mode: "force_generic_plan" }]);
    const text = "SELECT count(*)::int AS n FROM generate_series(1, $1::int) g WHERE g = ANY($2::int[])";
    for (let i = 1; i <= 7; i += 1) expect(await sql.rows<{ n: number }>(text, [10, [i, 11]])).toEqual([{ n: 1 }]);
    const [plans] = await sql.rows<{ generic: string; custom: string }>(
      "SELECT generic_plans AS generic, custom_plans AS custom FROM pg_prepared_statements WHERE statement = $1",
      [text],
    );
    expect({ generic: Number(plans!.generic), custom: Number(plans!.custom) }).toEqual({ generic: 7, custom: 0 });
  });
});
