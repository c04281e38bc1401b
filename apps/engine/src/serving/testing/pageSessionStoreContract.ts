// The behaviour every PageSessionStore must have. pageSessions.test.ts (in-process) and
// redisPageSessions.int.test.ts (Redis) run this same suite, so the two cannot drift. Session ids
// are fresh per test (the Redis database is shared with other test files); stored keys expire with
// the short TTLs used here.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DiversityCap } from "../../rules/diversityWindows.ts";
import {
  MAX_SESSION_ITEMS,
  SESSION_PREFIX,
  SessionList,
  type NewPageSession,
  type PageSession,
  type PageSessionStore,
  type SessionItem,
} from "../pageSessions.ts";

const CAPS: DiversityCap[] = [
  { id: "categoryDiversity", attribute: "category", maxPerWindow: 1, window: 3, depth: 1000 },
  { id: "creatorDiversity", attribute: "creator", maxPerWindow: 2, window: 5, depth: 50 },
];

/** `count` items whose ids are `idLength` characters, with 0–3 provenance hits each (some without a score). */
export function sessionItems(count: number, idLength = 12): SessionItem[] {
  return Array.from({ length: count }, (_, i) => ({
    itemId: `i${i}-`.padEnd(idLength, "x"),
    score: i % 7 === 0 ? -1 / (i + 3) : Math.PI * (count - i) * 1e-3,
    sources: [
      { id: "ann", rank: i, score: 1 / (i + 1) },
      { id: "trending", rank: 3 * i },
      { id: "covisitation", rank: 70_000 + i, score: 0 },
    ].slice(0, i % 4),
  }));
}

export function newSession(items: SessionItem[], options: { caps?: boolean; userId?: string } = {}): NewPageSession {
  return {
    id: `${SESSION_PREFIX}test-${randomUUID()}`,
    surface: "home",
    userId: options.userId ?? `u-${randomUUID().slice(0, 8)}`,
    items: SessionList.of(items),
    ...(options.caps ? { caps: { caps: CAPS, tails: new Map([[2, items.slice(0, 2).map((item) => item.itemId)]]) } } : {}),
  };
}

function itemsOf(session: PageSession): SessionItem[] {
  return Array.from({ length: session.items.length }, (_, index) => session.items.itemAt(index));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describePageSessionStoreContract(name: string, createStore: (options: { ttlMs: number }) => Promise<PageSessionStore>): void {
  describe(`PageSessionStore contract: ${name}`, () => {
    let store: PageSessionStore;

    beforeAll(async () => {
      store = await createStore({ ttlMs: 60_000 });
    });

    afterAll(async () => {
      await store.close();
    });

    it("gives back what the first page put: user, surface, every item with its exact score and provenance, caps and the first tail", async () => {
      const items = sessionItems(40);
      const session = newSession(items, { caps: true });
      const before = Date.now();
      await store.put(session);
      const stored = await store.get(session.id);
      expect(stored).toMatchObject({ id: session.id, surface: "home", userId: session.userId });
      expect(stored!.createdAt).toBeGreaterThanOrEqual(before - 1);
      expect(itemsOf(stored!)).toEqual(items);
      expect(Object.is(stored!.items.itemAt(0).score, items[0]!.score)).toBe(true);
      expect("score" in stored!.items.itemAt(2).sources[1]!).toBe(false);
      expect(stored!.caps?.caps).toEqual(CAPS);
      expect([...stored!.caps!.tails]).toEqual([[2, [items[0]!.itemId, items[1]!.itemId]]]);
    });

    it("keeps a session without caps without caps, and an empty one", async () => {
      const plain = newSession(sessionItems(3));
      const empty = newSession([]);
      await store.put(plain);
      await store.put(empty);
      const stored = await store.get(plain.id);
      expect(stored?.caps).toBeUndefined();
      expect(itemsOf(stored!)).toEqual(sessionItems(3));
      expect((await store.get(empty.id))?.items.length).toBe(0);
    });

    it("answers undefined for a session it never had", async () => {
      expect(await store.get(`${SESSION_PREFIX}never-${randomUUID()}`)).toBeUndefined();
    });

    it("records later pages' tails per offset (replacing one offset's tail), seen by the next get", async () => {
      const session = newSession(sessionItems(30), { caps: true });
      await store.put(session);
      await store.putTail(session.id, 9, ["i7-xxxxxxxxx", "i8-xxxxxxxxx"]);
      await store.putTail(session.id, 14, ["i11-xxxxxxxx"]);
      await store.putTail(session.id, 14, ["i12-xxxxxxxx", "i13-xxxxxxxx"]);
      const tails = (await store.get(session.id))!.caps!.tails;
      expect(new Map(tails)).toEqual(
        new Map([
          [2, ["i0-xxxxxxxxx", "i1-xxxxxxxxx"]],
          [9, ["i7-xxxxxxxxx", "i8-xxxxxxxxx"]],
          [14, ["i12-xxxxxxxx", "i13-xxxxxxxx"]],
        ]),
      );
    });

    it("does not create a session by recording a tail on one it does not have", async () => {
      const id = `${SESSION_PREFIX}never-${randomUUID()}`;
      await store.putTail(id, 4, ["a", "b"]);
      expect(await store.get(id)).toBeUndefined();
    });

    it("holds a full session: 700 items of 128-character ids", async () => {
      const items = sessionItems(700, 128);
      const session = newSession(items, { caps: true });
      await store.put(session);
      expect(itemsOf((await store.get(session.id))!)).toEqual(items);
    });

    it(`refuses a session of more than ${MAX_SESSION_ITEMS} items, keeping nothing`, async () => {
      const session = newSession(sessionItems(MAX_SESSION_ITEMS + 1));
      await expect(store.put(session)).rejects.toThrow(RangeError);
      expect(await store.get(session.id)).toBeUndefined();
    });

    it("forgets a session after its TTL, and a late tail does not bring it back", async () => {
      const shortLived = await createStore({ ttlMs: 150 });
      try {
        const session = newSession(sessionItems(5), { caps: true });
        await shortLived.put(session);
        expect(await shortLived.get(session.id)).toBeDefined();
        await sleep(400);
        expect(await shortLived.get(session.id)).toBeUndefined();
        await shortLived.putTail(session.id, 4, ["x"]);
        expect(await shortLived.get(session.id)).toBeUndefined();
      } finally {
        await shortLived.close();
      }
    });
  });
}
