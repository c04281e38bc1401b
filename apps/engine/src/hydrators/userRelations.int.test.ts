// The user-relations statement on real PostgreSQL, with the follow-graph source's creator items
// read ahead: the source then answers from its cache with no statement of its own, and exactly
// what it would have read itself.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { ExpiringCache } from "../caching/expiringCache.ts";
import { pooledServingSql, type ServingSql } from "../postgres/servingSql.ts";
import { FOLLOW_GRAPH_DEFAULTS, followGraphSource } from "../sources/followGraphSource.ts";
import { UserRelationsReader, type CreatorItems } from "./userRelations.ts";

const run = `urel-${randomUUID().slice(0, 8)}`;
const HOUR_MS = 3_600_000;
let sql: ServingSql;

beforeAll(async () => {
  sql = pooledServingSql({ databaseUrl: process.env.TEST_DATABASE_URL!, logger: pino({ level: "silent" }), maxConnections: 2 });
  await sql.rows(`INSERT INTO users (id) VALUES ($1 || '-u')`, [run]);
  await sql.rows(`INSERT INTO creators (id, name) SELECT $1 || '-c' || g, 'c' FROM generate_series(0, 2) g`, [run]);
  // c0: 7 items (hours old: 0..6; item 3 unavailable); c1: one 40 days old (too old); c2: none.
  await sql.rows(
    `INSERT INTO items (id, category, creator_id, published_at, available)
     SELECT $1 || '-c0-i' || g, 'cat', $1 || '-c0', now() - g * interval '1 hour', g <> 3 FROM generate_series(0, 6) g
     UNION ALL SELECT $1 || '-c1-old', 'cat', $1 || '-c1', now() - interval '40 days', true`,
    [run],
  );
  await sql.rows(`INSERT INTO follows (user_id, creator_id) SELECT $1 || '-u', $1 || '-c' || g FROM generate_series(0, 2) g`, [run]);
});

afterAll(async () => {
  await sql.rows(`DELETE FROM follows WHERE user_id = $1 || '-u'`, [run]);
  await sql.rows(`DELETE FROM items WHERE id LIKE $1 || '-%'`, [run]);
  await sql.rows(`DELETE FROM creators WHERE id LIKE $1 || '-%'`, [run]);
  await sql.rows(`DELETE FROM users WHERE id = $1 || '-u'`, [run]);
  await sql.close();
});

describe("UserRelationsReader with the creators' items read ahead", () => {
  it("fills the follow-graph source's cache with what the source would read, so the source reads nothing", async () => {
    const statements: string[] = [];
    const recording: ServingSql = {
      rows: (text, values) => {
        statements.push(text);
        return sql.rows(text, values);
      },
      close: async () => undefined,
    };
    const cache = new ExpiringCache<CreatorItems>({ ttlMs: 60_000, maxEntries: 100 });
    const maxAgeMs = FOLLOW_GRAPH_DEFAULTS.maxAgeDays * 24 * HOUR_MS;
    const reader = new UserRelationsReader(recording, { creatorItems: { cache, perCreator: FOLLOW_GRAPH_DEFAULTS.perCreator, maxAgeMs, maxCreators: 50 } });
    const userId = `${run}-u`;
    const [follows] = await Promise.all([reader.follows(userId), reader.exclusions(userId)]);
    expect([...follows].sort()).toEqual([`${run}-c0`, `${run}-c1`, `${run}-c2`]);
    expect(statements).toHaveLength(1);

    const query = {
      requestId: "r",
      userId,
      surface: "home",
      count: 10,
      nowMs: Date.now(),
      context: {},
      excludeItemIds: [],
      seed: 1,
      followedCreatorIds: follows,
    };
    const fromCache = await followGraphSource(recording, { cache }).fetch(query, 100, new AbortController().signal);
    expect(statements).toHaveLength(1); // every creator, those without items too, came with the relations
    // The newest 5 available items of c0 (3 is unavailable), none of c1 (too old) or c2.
    expect(fromCache.map((candidate) => candidate.itemId)).toEqual([0, 1, 2, 4, 5].map((g) => `${run}-c0-i${g}`));
    // The same as the source reading them itself.
    const ownRead = await followGraphSource(sql).fetch(query, 100, new AbortController().signal);
    expect(fromCache).toEqual(ownRead);
    expect(cache.size).toBe(3);
  });
});
