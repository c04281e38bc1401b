import { describe, expect, it } from "vitest";
import { decodeSession, encodeSession, MAX_SESSION_BYTES, sessionEncoding } from "./pageSessionsCodec.ts";
import { SessionList } from "./pageSessions.ts";
import { newSession, sessionItems } from "./testing/pageSessionStoreContract.ts";

describe("page session codec", () => {
  it("round-trips a session exactly (scores to the bit, NaN-free provenance, caps), at a few bytes per item", () => {
    const items = sessionItems(500, 20);
    const session = newSession(items, { caps: true });
    const bytes = encodeSession(session, 1_700_000_000_123);
    const decoded = decodeSession(bytes);
    expect(decoded).toMatchObject({ surface: session.surface, userId: session.userId, createdAt: 1_700_000_000_123, caps: session.caps!.caps });
    expect(Array.from({ length: 500 }, (_, i) => decoded.items.itemAt(i))).toEqual(items);
    // 500 items × (20-char id + 8-byte score + 4-byte start) + 750 hits × 13 bytes + header.
    expect(bytes.length).toBeLessThan(30_000);
  });

  it("reads a session from a Buffer at any byte offset (Redis replies are slices)", () => {
    const session = newSession(sessionItems(9));
    const bytes = encodeSession(session, 5);
    const shifted = Buffer.concat([Buffer.from([1, 2, 3]), bytes]).subarray(3);
    expect(decodeSession(shifted).items.itemAt(8)).toEqual(session.items.itemAt(8));
  });

  it("round-trips ids of several bytes per character (the header's length is counted in bytes), into a reused buffer", () => {
    const items = [
      { itemId: "café-№1", score: 0.5, sources: [{ id: "ann", rank: 0, score: 0.25 }] },
      { itemId: "映画-2", score: 0.25, sources: [{ id: "trending", rank: 3 }] },
    ];
    const session = { id: "f.x", surface: "home", userId: "ユーザー", items: SessionList.of(items) };
    const bytes = encodeSession(session, 7);
    // As the in-process store writes: at an offset of a buffer holding older bytes.
    const encoding = sessionEncoding(session, 7);
    const ring = Buffer.alloc(encoding.byteLength + 10, 0xff);
    encoding.writeTo(ring, 3);
    const inRing = ring.subarray(3, 3 + encoding.byteLength);
    expect(inRing.equals(bytes)).toBe(true);
    for (const encoded of [bytes, inRing]) {
      const decoded = decodeSession(encoded);
      expect(decoded.userId).toBe("ユーザー");
      expect([decoded.items.itemAt(0), decoded.items.itemAt(1)]).toEqual(items);
    }
  });

  it("refuses bytes that are not a session of this format, and sessions over the size bound", () => {
    const bytes = encodeSession(newSession(sessionItems(4)), 5);
    expect(() => decodeSession(Buffer.concat([Buffer.from([9]), bytes.subarray(1)]))).toThrow(RangeError);
    expect(() => decodeSession(bytes.subarray(0, bytes.length - 1))).toThrow(RangeError);
    expect(() => decodeSession(Buffer.from([1]))).toThrow(RangeError);
    const huge = SessionList.of(
      Array.from({ length: 1000 }, (_, i) => ({
        itemId: `${i}`.padEnd(128, "y"),
        score: i,
        sources: Array.from({ length: 40 }, (_, k) => ({ id: `s${k}`, rank: k })),
      })),
    );
    expect(() => encodeSession({ id: "f.x", surface: "home", userId: "u", items: huge }, 0)).toThrow(/at most 524288 bytes/);
    expect(MAX_SESSION_BYTES).toBe(524_288);
  });
});
