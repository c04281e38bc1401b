// The slot-indexed ItemAttributeCache against a plain reference model: the same freshness rules
// (TTL, change-poll extension, syncFloor after a bulk change, maxAgeMs backstop, pending-read
// sharing, a poll and a request read crossing) kept in one Map of {item, loadedAt} per id, as the
// cache kept them before slots. Both run the same random sequence of reads, catalogue changes,
// polls, preloads and clock moves over the same fake catalogue; what they answer and which ids
// they read from the catalogue must be the same.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ItemAttributes } from "../funnel/index.ts";
import type { ServingSql } from "../postgres/servingSql.ts";
import { CHANGE_POLL_MAX_ROWS, CHANGE_POLL_OVERLAP_MS, ItemAttributeCache } from "./itemAttributeCache.ts";
import { ItemSlots } from "./itemSlots.ts";

type Row = { id: string; category: string; creatorId: string | null; tags: string[]; publishedAtMs: number; available: boolean; attributes: unknown };
const IDS = ["a", "b", "c", "d", "e", "f"];
/** In the catalogue: a–e ("f" and "zz" are unknown). */
const CATALOGUE = IDS.slice(0, 5);
const TTL_MS = 60_000;
const MAX_AGE_MS = 200_000;

function toAttributes(row: Row): ItemAttributes {
  const numbers = (row.attributes as { n?: number }).n;
  return {
    category: row.category,
    creatorId: row.creatorId,
    tags: row.tags,
    publishedAtMs: row.publishedAtMs,
    available: row.available,
    ...(numbers !== undefined ? { numbers: { n: numbers } } : {}),
  };
}

type Cache = Pick<ItemAttributeCache, "attributesOf" | "pollChanges" | "preload"> & { rows?: ItemAttributeCache["attributesOfCandidateRows"] };

/** The cache's rules over a Map by id (the reference). */
class ReferenceCache {
  private readonly entries = new Map<string, { item: ItemAttributes | null; loadedAt: number }>();
  private readonly pending = new Map<string, Promise<Map<string, ItemAttributes>>>();
  private syncedAt = Number.NEGATIVE_INFINITY;
  private syncFloor = Number.NEGATIVE_INFINITY;
  private changesSinceMs: number;

  constructor(
    private readonly sql: ServingSql,
    private readonly now: () => number,
  ) {
    this.changesSinceMs = now() - CHANGE_POLL_OVERLAP_MS;
  }

  private fresh(loadedAt: number, at: number): boolean {
    if (loadedAt > at - TTL_MS) return true;
    return this.syncedAt > at - TTL_MS && loadedAt >= this.syncFloor && loadedAt > at - MAX_AGE_MS;
  }

  private store(itemId: string, item: ItemAttributes | null, loadedAt: number): void {
    const held = this.entries.get(itemId);
    if (held === undefined || held.loadedAt <= loadedAt) this.entries.set(itemId, { item, loadedAt });
  }

  async pollChanges(): Promise<number> {
    const startedAt = this.now();
    const rows = await this.sql.rows<Partial<Row> & { dbNowMs: number }>("LEFT JOIN LATERAL", [new Date(this.changesSinceMs).toISOString()]);
    let replaced = 0;
    if (rows.length > CHANGE_POLL_MAX_ROWS) this.syncFloor = startedAt;
    else
      for (const row of rows) {
        if (row.id === undefined || row.id === null || !this.entries.has(row.id)) continue;
        this.store(row.id, toAttributes(row as Row), startedAt);
        replaced += 1;
      }
    this.changesSinceMs = rows[0]!.dbNowMs - CHANGE_POLL_OVERLAP_MS;
    this.syncedAt = startedAt;
    return replaced;
  }

  async attributesOf(itemIds: readonly string[]): Promise<Map<string, ItemAttributes>> {
    const at = this.now();
    const result = new Map<string, ItemAttributes>();
    const missing: string[] = [];
    const waiting: Promise<void>[] = [];
    for (const itemId of itemIds) {
      const held = this.entries.get(itemId);
      if (held && this.fresh(held.loadedAt, at)) {
        if (held.item) result.set(itemId, held.item);
      } else if (this.pending.has(itemId)) {
        const found = this.pending.get(itemId)!;
        waiting.push(found.then((map) => void (map.has(itemId) && result.set(itemId, map.get(itemId)!))));
      } else missing.push(itemId);
    }
    if (missing.length > 0) {
      const read = this.sql.rows<Row>("= ANY", [missing]).then((rows) => {
        const found = new Map(rows.map((row) => [row.id, toAttributes(row)]));
        for (const itemId of missing) this.store(itemId, found.get(itemId) ?? null, at);
        return found;
      });
      for (const itemId of missing) this.pending.set(itemId, read);
      const found = await read;
      for (const itemId of missing) this.pending.delete(itemId);
      for (const [itemId, item] of found) result.set(itemId, item);
    }
    await Promise.all(waiting);
    return result;
  }

  async preload(limit: number): Promise<number> {
    const at = this.now();
    const rows = await this.sql.rows<Row>("LIMIT", [limit]);
    for (const row of rows) this.store(row.id, toAttributes(row), at);
    return rows.length;
  }
}

type Operation =
  | { kind: "advance"; ms: number }
  | { kind: "read"; ids: string[]; rows: boolean }
  | { kind: "concurrent"; first: string[]; second: string[] }
  | { kind: "change"; id: string; handEdit: boolean }
  | { kind: "poll"; outcome: "ok" | "fail" | "bulk" }
  | { kind: "crossing"; ms: number; ids: string[]; change: string | null }
  | { kind: "preload"; limit: number };

const ids = fc.array(fc.constantFrom(...IDS, "zz"), { maxLength: 7 });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 90_000 }) }),
  fc.record({ kind: fc.constant("read" as const), ids, rows: fc.boolean() }),
  fc.record({ kind: fc.constant("concurrent" as const), first: ids, second: ids }),
  fc.record({ kind: fc.constant("change" as const), id: fc.constantFrom(...CATALOGUE), handEdit: fc.boolean() }),
  fc.record({ kind: fc.constant("poll" as const), outcome: fc.constantFrom("ok" as const, "ok" as const, "fail" as const, "bulk" as const) }),
  fc.record({ kind: fc.constant("crossing" as const), ms: fc.integer({ min: 0, max: 90_000 }), ids, change: fc.option(fc.constantFrom(...CATALOGUE)) }),
  fc.record({ kind: fc.constant("preload" as const), limit: fc.integer({ min: 1, max: 6 }) }),
);

/** Runs `operations` on a cache over a fresh catalogue and clock; returns everything observable. */
async function run(operations: readonly Operation[], build: (sql: ServingSql, now: () => number) => Cache): Promise<unknown[]> {
  let nowMs = 1_000_000;
  let version = 0;
  const catalogue = new Map<string, Row & { updatedAtMs: number }>(
    CATALOGUE.map((id, index) => [
      id,
      { id, category: `cat-${id}`, creatorId: index % 2 ? null : `c-${id}`, tags: [], publishedAtMs: index, available: true, attributes: {}, updatedAtMs: 0 },
    ]),
  );
  const state = { pollOutcome: "ok" as "ok" | "fail" | "bulk" };
  const log: unknown[] = [];
  const plain = ({ updatedAtMs: _updated, ...row }: Row & { updatedAtMs: number }): Row => ({ ...row });
  const sql: ServingSql = {
    async rows<R>(text: string, parameters: readonly unknown[]): Promise<R[]> {
      if (text.includes("LEFT JOIN LATERAL")) {
        // Snapshot now, answer later (a request read can run in between).
        const since = Date.parse(parameters[0] as string);
        const dbNowMs = nowMs;
        const outcome = state.pollOutcome;
        const changed = [...catalogue.values()].filter((row) => row.updatedAtMs >= since).map(plain);
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (outcome === "fail") throw new Error("connection refused");
        if (outcome === "bulk") return Array.from({ length: CHANGE_POLL_MAX_ROWS + 1 }, (_, i) => ({ dbNowMs, id: `bulk-${i}` })) as R[];
        return (changed.length > 0 ? changed.map((row) => ({ dbNowMs, ...row })) : [{ dbNowMs, id: null }]) as R[];
      }
      if (text.includes("= ANY")) {
        const asked = parameters[0] as string[];
        log.push({ asked: [...asked] });
        const rows = asked.flatMap((id) => (catalogue.has(id) ? [plain(catalogue.get(id)!)] : []));
        await Promise.resolve();
        return rows as R[];
      }
      // Preload (newest first: the reference asks with the limit only; the cache may page).
      const limit = parameters[parameters.length - 1] as number;
      const rows = [...catalogue.values()].sort((x, y) => y.publishedAtMs - x.publishedAtMs);
      const after = parameters.length === 3 ? rows.findIndex((row) => row.id === parameters[1]) + 1 : 0;
      return rows.slice(after, after + limit).map(plain) as R[];
    },
    close: async () => undefined,
  };
  const cache = build(sql, () => nowMs);
  const sorted = (map: Map<string, ItemAttributes>) => [...map].sort(([x], [y]) => (x < y ? -1 : 1));
  const read = async (itemIds: string[], rows: boolean) => {
    if (rows && cache.rows) {
      const candidates = itemIds.map((itemId) => ({ itemId, sources: [], features: {}, scores: {}, score: 0 }));
      const found = await cache.rows(candidates);
      return sorted(new Map(found.flatMap((item, row) => (item ? [[itemIds[row]!, item] as const] : []))));
    }
    return sorted(await cache.attributesOf(itemIds));
  };
  for (const step of operations) {
    const change = (itemId: string, handEdit: boolean) => {
      const row = catalogue.get(itemId)!;
      row.available = !row.available;
      version += 1;
      // Every attribute moves (numbers come and go, tag lists and creators repeat): the stored columns' codes are exercised.
      row.attributes = version % 3 === 0 ? {} : { n: version };
      row.tags = version % 4 === 0 ? [] : [`t${version % 2}`, "shared"];
      row.creatorId = version % 5 === 0 ? null : `c-${version % 3}`;
      row.category = `cat-${version % 2}`;
      row.publishedAtMs = version;
      if (!handEdit) row.updatedAtMs = nowMs;
    };
    if (step.kind === "advance") nowMs += step.ms;
    else if (step.kind === "read") log.push(await read(step.ids, step.rows));
    else if (step.kind === "concurrent") log.push(await Promise.all([read(step.first, true), read(step.second, false)]));
    else if (step.kind === "change") change(step.id, step.handEdit);
    else if (step.kind === "poll") {
      state.pollOutcome = step.outcome;
      log.push(await cache.pollChanges().catch((error: Error) => error.message));
    } else if (step.kind === "crossing") {
      state.pollOutcome = "ok";
      // The poll takes its snapshot now; the catalogue may change and a request read it before the poll lands.
      const polling = cache.pollChanges();
      nowMs += step.ms;
      if (step.change !== null) change(step.change, false);
      log.push(await read(step.ids, false), await polling, await read(step.ids, false));
    } else log.push(await cache.preload(step.limit));
  }
  return log;
}

describe("ItemAttributeCache against a reference Map model", () => {
  it("answers and reads the catalogue as the reference over random sequences", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 40 }), async (operations) => {
        const expected = await run(operations, (sql, now) => new ReferenceCache(sql, now));
        const slots = new ItemSlots();
        const actual = await run(operations, (sql, now) => {
          const cache = new ItemAttributeCache(sql, { ttlMs: TTL_MS, maxAgeMs: MAX_AGE_MS, now, slots });
          return {
            attributesOf: (i) => cache.attributesOf(i),
            pollChanges: () => cache.pollChanges(),
            preload: (l) => cache.preload(l, 2),
            rows: (c) => cache.attributesOfCandidateRows(c),
          };
        });
        expect(actual).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});
