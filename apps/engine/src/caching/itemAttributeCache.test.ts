import { describe, expect, it } from "vitest";
import { CHANGE_POLL_MAX_ROWS, CHANGE_POLL_OVERLAP_MS, ItemAttributeCache } from "./itemAttributeCache.ts";
import type { ServingSql } from "../postgres/servingSql.ts";
import { ItemSlots } from "./itemSlots.ts";
import type { AttributeColumns } from "./attributeColumns.ts";

const PUBLISHED_MS = Date.UTC(2026, 0, 1);

/** A catalogue of items "a" and "b"; records the ids of every query, fails them all when `fail`. */
function fakeSql(options: { fail?: boolean } = {}) {
  const asked: string[][] = [];
  const sql: ServingSql = {
    async rows<Row>(_text: string, [ids]: readonly unknown[]) {
      asked.push([...(ids as string[])]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (options.fail) throw new Error("connection refused");
      const known = (ids as string[]).filter((id) => id === "a" || id === "b");
      return known.map(
        (id) =>
          ({ id, category: `cat-${id}`, creatorId: null, tags: [], publishedAtMs: PUBLISHED_MS, available: true, attributes: { price: 3, label: "x" } }) as Row,
      );
    },
    close: async () => undefined,
  };
  return { sql, asked };
}

const candidate = (itemId: string) => ({ itemId, sources: [], features: {}, scores: {}, score: 0 });

describe("ItemAttributeCache", () => {
  it("reads missing ids once, shares an in-flight read and serves repeats from memory", async () => {
    const { sql, asked } = fakeSql();
    const cache = new ItemAttributeCache(sql);
    const [first, second] = await Promise.all([cache.attributesOf(["a", "zz"]), cache.attributesOf(["a", "b"])]);
    expect(asked).toEqual([["a", "zz"], ["b"]]);
    expect(first.get("a")).toEqual({ category: "cat-a", creatorId: null, tags: [], publishedAtMs: PUBLISHED_MS, available: true, numbers: { price: 3 } });
    expect(first.has("zz")).toBe(false);
    expect([...second.keys()].sort()).toEqual(["a", "b"]);
    await cache.attributesOf(["a", "b", "zz"]);
    expect(asked).toHaveLength(2);
  });

  it("preloads the newest items so that the first requests read nothing", async () => {
    const asked: unknown[][] = [];
    const sql: ServingSql = {
      async rows<Row>(text: string, parameters: readonly unknown[]) {
        asked.push([text.includes("LIMIT") ? "preload" : "by id", ...parameters]);
        return [{ id: "a", category: "cat-a", creatorId: "c1", tags: ["t"], publishedAtMs: PUBLISHED_MS, available: false, attributes: {} }] as Row[];
      },
      close: async () => undefined,
    };
    const cache = new ItemAttributeCache(sql);
    expect(await cache.preload(10)).toBe(1);
    const found = await cache.attributesOf(["a"]);
    expect(found.get("a")).toEqual({ category: "cat-a", creatorId: "c1", tags: ["t"], publishedAtMs: PUBLISHED_MS, available: false });
    expect(asked).toEqual([["preload", 10]]);
  });

  it("tells the preload's caller how many items are in after each chunk", async () => {
    const sql: ServingSql = {
      async rows<Row>(_text: string, parameters: readonly unknown[]) {
        const size = parameters[parameters.length - 1] as number;
        const from = parameters.length === 3 ? Number(parameters[1]) + 1 : 0;
        return Array.from({ length: Math.min(size, 5 - from) }, (_, i) => ({
          id: String(from + i),
          category: "c",
          creatorId: null,
          tags: [],
          publishedAtMs: PUBLISHED_MS - (from + i),
          available: true,
          attributes: {},
        })) as Row[];
      },
      close: async () => undefined,
    };
    const progress: number[] = [];
    expect(await new ItemAttributeCache(sql).preload(10, 2, (loaded) => progress.push(loaded))).toBe(5);
    expect(progress).toEqual([2, 4, 5]);
    // Stopped after the first chunk: no further statement.
    const stopping = new AbortController();
    let statements = 0;
    const counted: ServingSql = { rows: (text, parameters) => (statements++, sql.rows(text, parameters)), close: sql.close };
    expect(await new ItemAttributeCache(counted).preload(10, 2, () => stopping.abort(), stopping.signal)).toBe(2);
    expect(statements).toBe(1);
  });

  it("looks a candidate list up once for both hydrators", async () => {
    const { sql, asked } = fakeSql();
    const cache = new ItemAttributeCache(sql);
    const candidates = [candidate("a"), candidate("b")];
    const [attributes, categories] = await Promise.all([
      cache.attributesOfCandidates(candidates),
      cache.candidateCategories().categoriesOfCandidates(candidates),
    ]);
    expect(asked).toHaveLength(1);
    expect(attributes.get("b")?.category).toBe("cat-b");
    expect(categories.get("a")).toBe("cat-a");
  });

  it("drops everything held when the registry starts a new generation, and caches new ids again after it", async () => {
    const { sql, asked } = fakeSql();
    const slots = new ItemSlots({ maxSlots: 2 });
    const cache = new ItemAttributeCache(sql, { slots });
    const columns = (cache as unknown as { columns: AttributeColumns }).columns;
    await cache.attributesOf(["a", "zz"]);
    await cache.attributesOf(["a", "zz"]);
    expect(asked).toEqual([["a", "zz"]]);
    // "b" finds the registry full: a new generation, the table dropped whole; b is cached again.
    expect((await cache.attributesOf(["b"])).get("b")?.category).toBe("cat-b");
    expect(columns.times.length).toBeGreaterThan(0);
    expect(columns.size).toBe(1);
    await cache.attributesOf(["b"]);
    expect(asked).toEqual([["a", "zz"], ["b"]]);
    const rows = await cache.attributesOfCandidateRows([candidate("b"), candidate("a")]);
    expect(rows.map((item) => item?.category)).toEqual(["cat-b", "cat-a"]);
    expect(asked).toEqual([["a", "zz"], ["b"], ["a"]]);
  });

  it("does not keep a read that began before a new generation (its slots name other items now)", async () => {
    const answers = new Map<string, () => void>();
    const sql: ServingSql = {
      async rows<Row>(_text: string, [ids]: readonly unknown[]) {
        const id = (ids as string[])[0]!;
        await new Promise<void>((resolve) => answers.set(id, resolve));
        return [{ id, category: `cat-${id}`, creatorId: null, tags: [], publishedAtMs: PUBLISHED_MS, available: true, attributes: {} }] as Row[];
      },
      close: async () => undefined,
    };
    const slots = new ItemSlots({ maxSlots: 1 });
    const cache = new ItemAttributeCache(sql, { slots, now: () => 1_000 });
    const readingA = cache.attributesOf(["a"]); // slot 0 of the first generation
    const readingB = cache.attributesOf(["b"]); // a new generation: slot 0 is b's
    answers.get("b")!();
    await readingB;
    answers.get("a")!();
    expect((await readingA).get("a")?.category).toBe("cat-a");
    // Served from memory, and b's own (without the epoch, a's late read would have overwritten slot 0).
    expect((await cache.attributesOf(["b"])).get("b")?.category).toBe("cat-b");
    expect([...answers.keys()]).toEqual(["a", "b"]);
  });

  it("looks a candidate list up again when it was reordered in place since (the answer is by row)", async () => {
    const { sql } = fakeSql();
    const cache = new ItemAttributeCache(sql);
    const list = [candidate("a"), candidate("b")];
    expect((await cache.attributesOfCandidateRows(list)).map((item) => item?.category)).toEqual(["cat-a", "cat-b"]);
    list.reverse();
    expect((await cache.attributesOfCandidateRows(list)).map((item) => item?.category)).toEqual(["cat-b", "cat-a"]);
    expect([...(await cache.attributesOfCandidates(list)).entries()].map(([id, item]) => [id, item.category])).toEqual([
      ["b", "cat-b"],
      ["a", "cat-a"],
    ]);
  });

  it("fails the caller whose read failed, gives the waiters on it no attributes, and caches nothing", async () => {
    const { sql, asked } = fakeSql({ fail: true });
    const cache = new ItemAttributeCache(sql);
    const reading = cache.attributesOf(["a"]);
    const waiting = cache.attributesOf(["a"]);
    await expect(reading).rejects.toThrow("connection refused");
    expect((await waiting).size).toBe(0);
    await expect(cache.attributesOf(["a"])).rejects.toThrow("connection refused");
    expect(asked).toEqual([["a"], ["a"]]);
  });

  describe("change polling", () => {
    const row = (id: string, available: boolean) => ({
      id,
      category: `cat-${id}`,
      creatorId: null,
      tags: [],
      publishedAtMs: PUBLISHED_MS,
      available,
      attributes: {},
    });

    /** By-id reads answer `available: true`; a poll answers `changed` (then nothing) with the database's now; `pollFails` makes polls throw. */
    function world() {
      let nowMs = 1_000_000;
      const byId: string[][] = [];
      const pollSince: string[] = [];
      const state = { changed: [] as ReturnType<typeof row>[], pollFails: false, pollGate: null as Promise<void> | null };
      const sql: ServingSql = {
        async rows<Row>(text: string, parameters: readonly unknown[]) {
          if (text.includes("LEFT JOIN LATERAL")) {
            pollSince.push(parameters[0] as string);
            const dbNowMs = nowMs;
            const changed = state.changed;
            state.changed = [];
            if (state.pollGate) await state.pollGate;
            if (state.pollFails) throw new Error("connection refused");
            return (changed.length > 0 ? changed.map((r) => ({ dbNowMs, ...r })) : [{ dbNowMs, id: null }]) as Row[];
          }
          byId.push([...(parameters[0] as string[])]);
          return (parameters[0] as string[]).map((id) => row(id, true)) as Row[];
        },
        close: async () => undefined,
      };
      const cache = new ItemAttributeCache(sql, { ttlMs: 60_000, maxAgeMs: 600_000, now: () => nowMs });
      return { cache, byId, pollSince, state, advance: (ms: number) => (nowMs += ms), now: () => nowMs };
    }

    it("keeps entries past the TTL while the polls succeed, and a poll replaces the changed items it holds", async () => {
      const { cache, byId, pollSince, state, advance, now } = world();
      await cache.attributesOf(["a", "b"]);
      advance(50_000);
      expect(await cache.pollChanges()).toBe(0);
      advance(20_000); // 70 s after the read, 20 s after the last poll
      expect((await cache.attributesOf(["a", "b"])).get("a")?.available).toBe(true);
      expect(byId).toEqual([["a", "b"]]);
      state.changed = [row("a", false), row("unknown", false)];
      const pollNow = now();
      expect(await cache.pollChanges()).toBe(1); // "unknown" is not cached: left to an on-demand read
      expect((await cache.attributesOf(["a"])).get("a")?.available).toBe(false);
      expect(byId).toHaveLength(1);
      // Each poll re-reads from the previous one's database now, less the overlap.
      expect(pollSince.at(-1)).toBe(new Date(pollNow - 20_000 - CHANGE_POLL_OVERLAP_MS).toISOString());
    });

    it("falls back to expiring entries a TTL after their read when the polls fail", async () => {
      const { cache, byId, state, advance } = world();
      await cache.attributesOf(["a"]);
      advance(10_000);
      await cache.pollChanges();
      state.pollFails = true;
      advance(40_000);
      await expect(cache.pollChanges()).rejects.toThrow("connection refused");
      advance(15_000); // 65 s after the read, 55 s after the last successful poll: still covered
      await cache.attributesOf(["a"]);
      expect(byId).toHaveLength(1);
      advance(10_000); // 70 s after the last successful poll: read again
      await cache.attributesOf(["a"]);
      expect(byId).toEqual([["a"], ["a"]]);
    });

    it("after a bulk change (more changed rows than a poll reads) lets the entries it held expire a TTL after their read", async () => {
      const { cache, byId, state, advance } = world();
      await cache.attributesOf(["a"]);
      advance(10_000);
      state.changed = Array.from({ length: CHANGE_POLL_MAX_ROWS + 1 }, (_, i) => row(`bulk-${i}`, false));
      expect(await cache.pollChanges()).toBe(0); // nothing applied: too many to read on the request thread
      advance(20_000);
      await cache.attributesOf(["b"]); // read after the bulk poll: covered by the next polls
      advance(25_000);
      expect(await cache.pollChanges()).toBe(0);
      advance(10_000); // "a": 65 s after its read, polls recent, but read before the bulk change
      await cache.attributesOf(["a", "b"]);
      expect(byId).toEqual([["a"], ["b"], ["a"]]);
      advance(30_000); // "b": 65 s after its read (last poll 40 s ago), kept by the polls
      await cache.attributesOf(["b"]);
      expect(byId).toHaveLength(3);
    });

    it("re-reads an entry after maxAgeMs however recent the polls (edits that bypass updated_at)", async () => {
      const { cache, byId, advance } = world();
      await cache.attributesOf(["a"]);
      for (let i = 0; i < 12; i += 1) {
        advance(50_000);
        await cache.pollChanges();
      }
      await cache.attributesOf(["a"]); // 600 s after its read
      expect(byId).toEqual([["a"], ["a"]]);
    });

    it("does not let a poll that started before a request's read overwrite that newer read", async () => {
      const { cache, state, advance } = world();
      await cache.attributesOf(["a"]);
      let open!: () => void;
      state.pollGate = new Promise((resolve) => (open = resolve));
      state.changed = [row("a", false)];
      const polling = cache.pollChanges(); // snapshot taken now: "a" unavailable
      advance(61_000);
      await cache.attributesOf(["a"]); // expired (no successful poll yet): read again, available
      open();
      await polling;
      expect((await cache.attributesOf(["a"])).get("a")?.available).toBe(true);
    });
  });
});
