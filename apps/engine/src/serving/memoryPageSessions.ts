// The in-process page session store (the embedded default, and replays): a cursor is valid on the
// process that issued it, for `ttlMs`, while its session is among the newest `maxSessions` that
// fit in `maxBytes`.
//
// Sessions are kept encoded (pageSessionsCodec.ts, the bytes the Redis store keeps) in one ring of
// bytes, oldest overwritten first, beside a Map from session id to where its bytes are. Kept as
// objects (a SessionList each, with its arrays), 10k sessions of 500 items were ~30 MB of the
// engine's heap that every full collection marked (5M item id references) plus ~190 MB of
// ArrayBuffers, and each first page's session was promoted to the old generation: the
// collections that were the 200/s latency tail (docs/benchmarks.md). In the ring, a session is
// one small index entry on the heap; its bytes are outside it, in memory that is reused, not
// freed. A later page decodes its session (~0.1 ms for 500 items), a first page encodes one.
//
// Ring order: sessions are appended at `head`; one that does not fit before the end wraps to 0,
// dropping the sessions between `head` and the end (the oldest). So the index's insertion order is
// always the ring's order from `head` on, and making room is dropping the oldest entries while
// they overlap the bytes about to be written.
//
// The ring is allocated once, at `maxBytes`, when the store is created (the engine's start, before
// traffic). Its pages are the kernel's to back as sessions are first written to them
// (allocUnsafeSlow: uninitialised memory of its own), so a quiet engine still holds little. It
// used to grow by doubling from 1 MiB: each step was a new ArrayBuffer of up to 256 MiB, and V8
// answers that much new external memory with a full collection ("external memory pressure"),
// three of them in the first minute of serving at 200 requests/s; the rings left behind also
// stayed allocated until such a collection.
import { decodeSession, sessionEncoding } from "./pageSessionsCodec.ts";
import { assertSessionSize, PAGE_SESSION_TTL_MS, type NewPageSession, type PageSession, type PageSessionStore } from "./pageSessions.ts";

/** Default bound on the sessions' bytes: ~9k sessions of 500 items (~29 KB each). */
export const DEFAULT_PAGE_SESSION_BYTES = 256 * 2 ** 20;

type Stored = {
  offset: number;
  length: number;
  createdAt: number;
  /** The served tails (sessionPageCaps.ts) of a session with caps: small, and changed by later pages. */
  tails?: Map<number, readonly string[]>;
};

export type MemoryPageSessionStoreOptions = {
  ttlMs?: number;
  /** Most sessions held (oldest out); default 10,000. */
  maxSessions?: number;
  /** Most bytes of encoded sessions held (oldest out); default DEFAULT_PAGE_SESSION_BYTES. */
  maxBytes?: number;
  now?: () => number;
};

export class MemoryPageSessionStore implements PageSessionStore {
  private readonly index = new Map<string, Stored>();
  private ring: Buffer;
  /** Where the next session's bytes go. */
  private head = 0;
  private readonly ttlMs: number;
  private readonly maxSessions: number;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(options: MemoryPageSessionStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? PAGE_SESSION_TTL_MS;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.maxBytes = options.maxBytes ?? DEFAULT_PAGE_SESSION_BYTES;
    this.now = options.now ?? Date.now;
    if (!(this.maxBytes > 0) || !(this.maxSessions > 0)) throw new RangeError("maxBytes and maxSessions must be positive");
    this.ring = Buffer.allocUnsafeSlow(this.maxBytes);
  }

  /** Sessions held (some may have expired since). */
  get size(): number {
    return this.index.size;
  }

  /** Bytes of the ring: maxBytes from the start (reserved; resident as sessions are written), 0 after close. */
  get ringBytes(): number {
    return this.ring.length;
  }

  // Applied before the returned promise settles: a later page on this process always finds it.
  async put(session: NewPageSession): Promise<void> {
    assertSessionSize(session);
    const createdAt = this.now();
    const encoding = sessionEncoding(session, createdAt);
    const length = encoding.byteLength;
    if (length > this.maxBytes) throw new RangeError(`a page session of ${length} bytes does not fit in this store's ${this.maxBytes}`);
    this.index.delete(session.id);
    const offset = this.reserve(length);
    // Straight into the ring: no buffer of its own per session.
    encoding.writeTo(this.ring, offset);
    const stored: Stored = { offset, length, createdAt };
    if (session.caps) stored.tails = new Map(session.caps.tails);
    this.index.set(session.id, stored);
    for (const [oldest] of this.index) {
      if (this.index.size <= this.maxSessions) break;
      this.index.delete(oldest);
    }
  }

  async get(id: string): Promise<PageSession | undefined> {
    const stored = this.live(id);
    if (!stored) return undefined;
    const { caps, ...decoded } = decodeSession(this.ring.subarray(stored.offset, stored.offset + stored.length));
    const session: PageSession = { id, ...decoded };
    // A copy: a later putTail changes the store's tails, not a page's view of them.
    if (caps) session.caps = { caps, tails: new Map(stored.tails) };
    return session;
  }

  async putTail(id: string, offset: number, tail: readonly string[]): Promise<void> {
    this.live(id)?.tails?.set(offset, [...tail]);
  }

  async close(): Promise<void> {
    this.index.clear();
    this.ring = Buffer.alloc(0);
    this.head = 0;
  }

  private live(id: string): Stored | undefined {
    const stored = this.index.get(id);
    if (!stored) return undefined;
    if (this.now() - stored.createdAt > this.ttlMs) {
      this.index.delete(id);
      return undefined;
    }
    return stored;
  }

  /** The offset of `length` free bytes at the ring's head (dropping the oldest sessions to make room). */
  private reserve(length: number): number {
    // Reserved again for a put after close (a request finishing during shutdown).
    if (this.ring.length === 0) this.ring = Buffer.allocUnsafeSlow(this.maxBytes);
    if (this.head + length > this.ring.length) {
      // Wrap: the sessions from head to the end are the oldest (see the file header).
      this.dropOldestWhile((stored) => stored.offset >= this.head);
      this.head = 0;
    }
    const end = this.head + length;
    this.dropOldestWhile((stored) => stored.offset < end && stored.offset + stored.length > this.head);
    const offset = this.head;
    this.head = end;
    return offset;
  }

  private dropOldestWhile(test: (stored: Stored) => boolean): void {
    for (const [id, stored] of this.index) {
      if (!test(stored)) return;
      this.index.delete(id);
    }
  }
}
