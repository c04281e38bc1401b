// A page session as bytes, for the Redis store (redisPageSessions.ts): the SessionList's flat arrays
// copied as they are, after a small JSON header.
//
//   byte 0        format version (1)
//   bytes 1–4     header length H (uint32 LE)
//   H bytes       header, JSON: {s: surface, u: userId, c: createdAt ms, src: source ids, ids: item ids, h: hits, caps?: DiversityCap[]}
//   padding       to a multiple of 8
//   n × f64       scores            h × f64   hit scores (NaN: the source gave none)
//   (n+1) × u32   hit starts        h × u32   hit ranks        h × u8   hit sources
//
// n items, h provenance hits; numbers in the machine's byte order, which must be little-endian
// (checked). A 500-item session with two hits per item and 20-character ids is ~29 KB: the floats
// travel exactly (a later page serves the scores the first page computed). The served tails are not
// in here: they change on later pages and are stored beside it (one hash field per offset).
import { endianness } from "node:os";
import type { DiversityCap } from "../rules/diversityWindows.ts";
import { MAX_SESSION_ITEMS, SessionList, type NewPageSession, type SessionCaps } from "./pageSessions.ts";

const FORMAT_VERSION = 1;

/** Largest encoded session accepted: 1,000 items of 128-character ids with 8 hits each fit well under it. */
export const MAX_SESSION_BYTES = 512 * 1024;

if (endianness() !== "LE") throw new Error("pageSessionsCodec: typed arrays are stored little-endian; this machine is big-endian");

type Header = { s: string; u: string; c: number; src: readonly string[]; ids: readonly string[]; h: number; caps?: readonly DiversityCap[] };

/** The stored session without its tails (kept apart, see above). */
export type DecodedSession = Omit<NewPageSession, "caps" | "id"> & { createdAt: number; caps?: readonly DiversityCap[] };

/** A session ready to be written: its encoded length, and a writer into any buffer (the in-process store writes straight into its ring). */
export type SessionEncoding = { byteLength: number; writeTo(target: Buffer, offset: number): void };

/** Throws RangeError when the session encodes to more than MAX_SESSION_BYTES. */
export function sessionEncoding(session: NewPageSession, createdAt: number): SessionEncoding {
  const arrays = session.items.arrays();
  const header: Header = {
    s: session.surface,
    u: session.userId,
    c: createdAt,
    src: arrays.sourceIds,
    ids: arrays.itemIds,
    h: arrays.hitSource.length,
    ...(session.caps ? { caps: session.caps.caps } : {}),
  };
  // Written straight into the target as UTF-8 (no intermediate Buffer of ~15 KB per first page to allocate and copy).
  const headerText = JSON.stringify(header);
  const headerLength = Buffer.byteLength(headerText, "utf8");
  const start = align8(5 + headerLength);
  const parts = [arrays.scores, arrays.hitScore, arrays.hitStart, arrays.hitRank, arrays.hitSource];
  const total = parts.reduce((sum, part) => sum + part.byteLength, start);
  if (total > MAX_SESSION_BYTES) throw new RangeError(`a page session is at most ${MAX_SESSION_BYTES} bytes encoded (this one: ${total})`);
  return {
    byteLength: total,
    writeTo(target, at) {
      target.writeUInt8(FORMAT_VERSION, at);
      target.writeUInt32LE(headerLength, at + 1);
      target.write(headerText, at + 5, headerLength, "utf8");
      // The padding too: a reused buffer holds older bytes there.
      target.fill(0, at + 5 + headerLength, at + start);
      let offset = at + start;
      for (const part of parts) {
        target.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), offset);
        offset += part.byteLength;
      }
    },
  };
}

export function encodeSession(session: NewPageSession, createdAt: number): Buffer {
  const encoding = sessionEncoding(session, createdAt);
  const bytes = Buffer.allocUnsafe(encoding.byteLength);
  encoding.writeTo(bytes, 0);
  return bytes;
}

/** Throws RangeError when the bytes are not a session of this format. */
export function decodeSession(bytes: Buffer): DecodedSession {
  if (bytes.length < 5 || bytes.readUInt8(0) !== FORMAT_VERSION) throw new RangeError("not a stored page session (unknown format)");
  const headerLength = bytes.readUInt32LE(1);
  if (5 + headerLength > bytes.length) throw new RangeError("stored page session truncated");
  const header = JSON.parse(bytes.toString("utf8", 5, 5 + headerLength)) as Header;
  if (!Array.isArray(header.ids) || header.ids.length > MAX_SESSION_ITEMS || !Array.isArray(header.src))
    throw new RangeError("stored page session: bad header");
  const items = header.ids.length;
  let offset = align8(5 + headerLength);
  // Each slice is copied into an ArrayBuffer of its own, so the typed arrays are aligned whatever the Buffer's offset.
  const take = (byteLength: number): ArrayBuffer => {
    if (offset + byteLength > bytes.length) throw new RangeError("stored page session truncated");
    const copy = bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + byteLength);
    offset += byteLength;
    return copy as ArrayBuffer;
  };
  const hits = header.h;
  if (!Number.isInteger(hits) || hits < 0 || offset + items * 8 + hits * 13 + (items + 1) * 4 !== bytes.length) {
    throw new RangeError("stored page session: bad length");
  }
  const scores = new Float64Array(take(items * 8));
  const hitScore = new Float64Array(take(hits * 8));
  const hitStart = new Uint32Array(take((items + 1) * 4));
  const hitRank = new Uint32Array(take(hits * 4));
  const hitSource = new Uint8Array(take(hits));
  const list = SessionList.fromArrays({ itemIds: header.ids, scores, hitStart, hitSource, hitRank, hitScore, sourceIds: header.src });
  return { surface: header.s, userId: header.u, createdAt: header.c, items: list, ...(header.caps ? { caps: header.caps } : {}) };
}

/** The caps a session was stored with and its tails (offset → ids), as `SessionCaps`. */
export function sessionCapsOf(caps: readonly DiversityCap[], tails: Iterable<[number, readonly string[]]>): SessionCaps {
  return { caps, tails: new Map(tails) };
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
