// The item-attribute cache's own statements on real PostgreSQL: the chunked preload walks the
// catalogue newest first without gaps or repeats, and a change poll sees what a catalogue write
// changed (updated_at) and replaces the cached entry.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { pooledServingSql, type ServingSql } from "../postgres/servingSql.ts";
import { ItemAttributeCache } from "./itemAttributeCache.ts";

const run = `iac-${randomUUID().slice(0, 8)}`;
let sql: ServingSql;

beforeAll(async () => {
  sql = pooledServingSql({ databaseUrl: process.env.TEST_DATABASE_URL!, logger: pino({ level: "silent" }), maxConnections: 2 });
  // Five items, two of them published at the same instant (the keyset's tie on published_at), far in the future so they are the newest.
  await sql.rows(
    `INSERT INTO items (id, category, published_at, available, attributes)
     SELECT $1 || '-' || g, 'cat', timestamptz '2999-01-01' + (CASE WHEN g >= 3 THEN 3 ELSE g END) * interval '1 millisecond', true, '{"n": 1}'
     FROM generate_series(0, 4) g`,
    [run],
  );
});

afterAll(async () => {
  await sql.rows(`DELETE FROM items WHERE id LIKE $1 || '-%'`, [run]);
  await sql.close();
});

describe("ItemAttributeCache on PostgreSQL", () => {
  it("preloads the newest items in chunks, each once", async () => {
    const ids: string[] = [];
    const recording: ServingSql = {
      rows: async <Row>(text: string, values: readonly unknown[]) => {
        const rows = await sql.rows<Row>(text, values);
        ids.push(...rows.map((row) => (row as { id: string }).id));
        return rows;
      },
      close: async () => undefined,
    };
    const cache = new ItemAttributeCache(recording);
    expect(await cache.preload(5, 2)).toBe(5);
    expect(ids).toEqual([`${run}-4`, `${run}-3`, `${run}-2`, `${run}-1`, `${run}-0`]);
    expect((await cache.attributesOf([`${run}-0`])).get(`${run}-0`)?.numbers).toEqual({ n: 1 });
    expect(ids).toHaveLength(5); // served from the preload
  });

  it("a change poll replaces a cached item that a write changed", async () => {
    const cache = new ItemAttributeCache(sql);
    const id = `${run}-1`;
    expect((await cache.attributesOf([id])).get(id)?.available).toBe(true);
    expect(await cache.pollChanges()).toBeGreaterThanOrEqual(1); // created within the overlap
    await sql.rows(`UPDATE items SET available = false, updated_at = now() WHERE id = $1`, [id]);
    expect(await cache.pollChanges()).toBe(1);
    expect((await cache.attributesOf([id])).get(id)?.available).toBe(false);
  });
});
