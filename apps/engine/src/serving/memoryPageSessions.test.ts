import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryPageSessionStore } from "./memoryPageSessions.ts";
import { encodeSession } from "./pageSessionsCodec.ts";
import { SessionList, type NewPageSession, type PageSession } from "./pageSessions.ts";
import { describePageSessionStoreContract, newSession, sessionItems } from "./testing/pageSessionStoreContract.ts";

describePageSessionStoreContract("in-process", async ({ ttlMs }) => new MemoryPageSessionStore({ ttlMs }));

const itemsOf = (session: PageSession | NewPageSession) => Array.from({ length: session.items.length }, (_, index) => session.items.itemAt(index));

describe("MemoryPageSessionStore", () => {
  it("forgets sessions after the ttl and keeps at most maxSessions (oldest out)", async () => {
    let now = 0;
    const sessions = new MemoryPageSessionStore({ ttlMs: 100, maxSessions: 2, now: () => now });
    for (const id of ["s1", "s2", "s3"]) await sessions.put({ id, surface: "home", userId: "u", items: SessionList.of([]) });
    expect(await sessions.get("s1")).toBeUndefined();
    expect((await sessions.get("s2"))?.id).toBe("s2");
    now = 101;
    expect(await sessions.get("s3")).toBeUndefined();
  });

  it("refuses a session larger than its bytes, keeping the others", async () => {
    const small = newSession(sessionItems(5));
    const large = newSession(sessionItems(400));
    const sessions = new MemoryPageSessionStore({ maxBytes: encodeSession(large, 0).length - 1 });
    await sessions.put(small);
    await expect(sessions.put(large)).rejects.toThrow(RangeError);
    expect(await sessions.get(large.id)).toBeUndefined();
    expect(itemsOf((await sessions.get(small.id))!)).toEqual(sessionItems(5));
  });

  it("gives a page its own copy of the tails: a later tail does not change a session already read", async () => {
    const sessions = new MemoryPageSessionStore();
    const session = newSession(sessionItems(10), { caps: true });
    await sessions.put(session);
    const read = (await sessions.get(session.id))!;
    await sessions.putTail(session.id, 6, ["i4-xxxxxxxxx"]);
    expect([...read.caps!.tails.keys()]).toEqual([2]);
    expect([...(await sessions.get(session.id))!.caps!.tails.keys()]).toEqual([2, 6]);
  });

  it("allocates its ring once, at maxBytes, when created: it never grows (each growth was a full collection under load)", async () => {
    const maxBytes = 3 * 2 ** 20;
    const sessions = new MemoryPageSessionStore({ maxBytes });
    expect(sessions.ringBytes).toBe(maxBytes);
    await sessions.put(newSession(sessionItems(5)));
    expect(sessions.ringBytes).toBe(maxBytes);
    const sessionBytes = encodeSession(newSession(sessionItems(500)), 0).length;
    for (let put = 0; put < Math.ceil((2 * maxBytes) / sessionBytes); put += 1) await sessions.put(newSession(sessionItems(500)));
    expect(sessions.ringBytes).toBe(maxBytes);
    await sessions.close();
    expect(sessions.ringBytes).toBe(0);
    // A put after close (a request finishing during shutdown) still keeps its session.
    const late = newSession(sessionItems(7));
    await sessions.put(late);
    expect(sessions.ringBytes).toBe(maxBytes);
    expect(itemsOf((await sessions.get(late.id))!)).toEqual(sessionItems(7));
  });

  it("wrapping drops the sessions between the head and the end (the oldest), then the ones it overwrites", async () => {
    const now = () => 0;
    const bytesOf = (items: number) => encodeSession(newSession(sessionItems(items)), 0).length;
    // Lap 1: ten small sessions fill the ring exactly.
    const sessions = new MemoryPageSessionStore({ maxBytes: 10 * bytesOf(40), now });
    const small = Array.from({ length: 10 }, () => newSession(sessionItems(40)));
    for (const session of small) await sessions.put(session);
    // Lap 2: three of one size that end short of the end (small[7] overwritten, small[8] and small[9]
    // past the head), then a fourth that does not fit after them: the ring wraps over x alone.
    const b40 = bytesOf(40);
    let size = 40;
    while (size < 1_000 && !(bytesOf(size) > 2.5 * b40 && 3 * bytesOf(size) < 8 * b40)) size += 1;
    expect(size).toBeLessThan(1_000);
    const [x, y, z, w] = [0, 1, 2, 3].map(() => newSession(sessionItems(size)));
    for (const session of [x!, y!, z!, w!]) await sessions.put(session);
    for (const gone of [...small, x!]) expect(await sessions.get(gone.id)).toBeUndefined();
    for (const kept of [y!, z!, w!]) {
      const read = (await sessions.get(kept.id))!;
      expect(read.userId).toBe(kept.userId);
      expect(itemsOf(read)).toEqual(itemsOf(kept));
    }
  });

  it("in a ring that wraps: every session read back is exactly the one put under its id, and the newest that fit are all there", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ items: fc.integer({ min: 0, max: 600 }), idLength: fc.integer({ min: 4, max: 40 }), caps: fc.boolean() }), {
          minLength: 1,
          maxLength: 150,
        }),
        // Mostly rings that go round several times; some that hold every session.
        fc.oneof(
          { arbitrary: fc.integer({ min: 150_000, max: 600_000 }), weight: 3 },
          { arbitrary: fc.integer({ min: 600_000, max: 3 * 2 ** 20 }), weight: 1 },
        ),
        fc.oneof({ arbitrary: fc.constant(10_000), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 60 }), weight: 1 }),
        async (shapes, maxBytes, maxSessions) => {
          const now = 1_700_000_000_000;
          const sessions = new MemoryPageSessionStore({ maxBytes, maxSessions, now: () => now });
          const put: { session: NewPageSession; bytes: number }[] = [];
          for (const shape of shapes) {
            const session = newSession(sessionItems(shape.items, shape.idLength), { caps: shape.caps });
            await sessions.put(session);
            put.push({ session, bytes: encodeSession(session, now).length });
            expect(sessions.size).toBeLessThanOrEqual(maxSessions);
            // The newest is always there.
            expect((await sessions.get(session.id))?.items.length).toBe(session.items.length);
          }
          // What a wrap can waste is less than one session: the newest sessions within maxBytes minus the largest are all held.
          const largest = Math.max(...put.map(({ bytes }) => bytes));
          let budget = maxBytes - largest;
          let guaranteed = 0;
          for (let index = put.length - 1; index >= 0 && guaranteed < maxSessions; index -= 1) {
            budget -= put[index]!.bytes;
            if (budget < 0) break;
            guaranteed += 1;
          }
          for (const [index, { session }] of put.entries()) {
            const read = await sessions.get(session.id);
            if (index >= put.length - guaranteed) expect(read).toBeDefined();
            if (read === undefined) continue;
            expect(read.userId).toBe(session.userId);
            expect(itemsOf(read)).toEqual(itemsOf(session));
            expect(read.caps?.caps).toEqual(session.caps?.caps);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
