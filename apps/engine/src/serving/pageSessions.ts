// Pagination for funnel feeds. The first page runs the funnel; the rest of its ranked list (after
// rules, minus what the first page served) is kept as a page session under an id that the cursor
// carries, so later pages continue the same list and never repeat an item, at no funnel cost.
//
// Where sessions live (PageSessionStore, held to one contract: testing/pageSessionStoreContract.ts):
// - MemoryPageSessionStore (memoryPageSessions.ts, the embedded default): a cursor is valid on the
//   process that issued it for `ttlMs`; bounded by `maxSessions` and `maxBytes` (oldest out).
// - RedisPageSessionStore (redisPageSessions.ts, whenever the engine has REDIS_URL): one key per
//   session with the session TTL, so a cursor is valid on every replica sharing that Redis.
// Both keep a session as the bytes of pageSessionsCodec.ts.
// An unknown or expired session → 400 invalid_cursor (the client starts again); a store that cannot
// be reached → PageSessionStoreError → 503 dependency_unavailable (the same cursor can be retried).
//
// A SessionList keeps a session's items in a handful of flat arrays (scores and provenance in typed
// arrays), which is what the codec copies, and builds item objects only when a later page reads them.
import type { Logger } from "pino";
import type { SourceHit } from "../funnel/index.ts";
import type { DiversityCap } from "../rules/diversityWindows.ts";

/** What a session keeps to continue under the caps: the caps it was arranged under and the served tails (sessionPageCaps.ts). */
export type SessionCaps = {
  caps: readonly DiversityCap[];
  /** Cursor offset → the ids last served before it (at most the widest window − 1), oldest first. */
  tails: Map<number, readonly string[]>;
};

export type SessionItem = { itemId: string; score: number; sources: SourceHit[] };

/** A SessionList's flat arrays (what pageSessionsCodec.ts stores). */
export type SessionArrays = {
  itemIds: readonly string[];
  scores: Float64Array;
  hitStart: Uint32Array;
  hitSource: Uint8Array;
  hitRank: Uint32Array;
  hitScore: Float64Array;
  sourceIds: readonly string[];
};

/** Most items one session may hold (the first page, up to 200, and the 500 kept after it, with room). */
export const MAX_SESSION_ITEMS = 1_000;

/** A session's ranked items, stored flat. */
export class SessionList {
  private constructor(
    private readonly itemIds: readonly string[],
    private readonly scores: Float64Array,
    /** Item i's provenance is entries hitStart[i] … hitStart[i + 1] − 1 of the hit arrays. */
    private readonly hitStart: Uint32Array,
    private readonly hitSource: Uint8Array,
    private readonly hitRank: Uint32Array,
    /** NaN where the source gave no score. */
    private readonly hitScore: Float64Array,
    private readonly sourceIds: readonly string[],
  ) {}

  /** Copies `items` (each item's itemId, score and sources; candidates qualify as they are). */
  static of(items: readonly SessionItem[]): SessionList {
    let hits = 0;
    for (const item of items) hits += item.sources.length;
    const sourceIds: string[] = [];
    const sourceIndex = new Map<string, number>();
    const hitStart = new Uint32Array(items.length + 1);
    // Source ids index a Uint8Array: a feed has a handful of sources, far below 256.
    const hitSource = new Uint8Array(hits);
    const hitRank = new Uint32Array(hits);
    const hitScore = new Float64Array(hits);
    const scores = new Float64Array(items.length);
    const itemIds: string[] = new Array<string>(items.length);
    let hit = 0;
    items.forEach((item, index) => {
      itemIds[index] = item.itemId;
      scores[index] = item.score;
      hitStart[index] = hit;
      for (const source of item.sources) {
        let kind = sourceIndex.get(source.id);
        if (kind === undefined) {
          kind = sourceIds.length;
          if (kind > 255) throw new RangeError("a page session holds at most 256 distinct sources");
          sourceIds.push(source.id);
          sourceIndex.set(source.id, kind);
        }
        hitSource[hit] = kind;
        hitRank[hit] = source.rank;
        hitScore[hit] = source.score ?? Number.NaN;
        hit += 1;
      }
    });
    hitStart[items.length] = hit;
    return new SessionList(itemIds, scores, hitStart, hitSource, hitRank, hitScore, sourceIds);
  }

  /** Rebuilds a list from its arrays (as `arrays()` gave them), checking that they fit together. */
  static fromArrays(arrays: SessionArrays): SessionList {
    const { itemIds, scores, hitStart, hitSource, hitRank, hitScore, sourceIds } = arrays;
    const items = itemIds.length;
    const hits = hitStart[items];
    const consistent =
      scores.length === items &&
      hitStart.length === items + 1 &&
      hits !== undefined &&
      hitSource.length === hits &&
      hitRank.length === hits &&
      hitScore.length === hits &&
      hitStart.every((start, i) => i === 0 || start >= hitStart[i - 1]!) &&
      hitStart[0] === 0 &&
      hitSource.every((kind) => kind < sourceIds.length);
    if (!consistent) throw new RangeError("the session arrays do not fit together");
    return new SessionList(itemIds, scores, hitStart, hitSource, hitRank, hitScore, sourceIds);
  }

  /** The list's arrays, shared (not copied): do not modify them. */
  arrays(): SessionArrays {
    const { itemIds, scores, hitStart, hitSource, hitRank, hitScore, sourceIds } = this;
    return { itemIds, scores, hitStart, hitSource, hitRank, hitScore, sourceIds };
  }

  get length(): number {
    return this.itemIds.length;
  }

  itemIdAt(index: number): string {
    return this.itemIds[index]!;
  }

  /** Item `index` as the first page had it (a new object each call). */
  itemAt(index: number): SessionItem {
    const sources: SourceHit[] = [];
    for (let hit = this.hitStart[index]!; hit < this.hitStart[index + 1]!; hit += 1) {
      const score = this.hitScore[hit]!;
      const source: SourceHit = { id: this.sourceIds[this.hitSource[hit]!]!, rank: this.hitRank[hit]! };
      if (!Number.isNaN(score)) source.score = score;
      sources.push(source);
    }
    return { itemId: this.itemIds[index]!, score: this.scores[index]!, sources };
  }
}

export type PageSession = {
  id: string;
  surface: string;
  userId: string;
  items: SessionList;
  /** The surface's diversity caps when the list was made, and what later pages served (sessionPageCaps.ts); absent without caps. */
  caps?: SessionCaps;
  createdAt: number;
};

/** What the first page hands to the store. */
export type NewPageSession = Omit<PageSession, "createdAt">;

/** The page-session store could not be reached or answered wrongly: HTTP 503 dependency_unavailable (server/errors.ts). */
export class PageSessionStoreError extends Error {
  override readonly name = "PageSessionStoreError";
}

/**
 * Where page sessions live between pages. `put` and `putTail` may reject (the backend is down or
 * the session too large); `get` rejects with PageSessionStoreError when the backend cannot answer,
 * and gives undefined for a session that is unknown or expired.
 */
export interface PageSessionStore {
  /** Keeps the session (and its first tail, if it has caps) for the store's TTL from now. */
  put(session: NewPageSession): Promise<void>;
  get(id: string): Promise<PageSession | undefined>;
  /**
   * Records the ids served just before `offset` (sessionPageCaps.ts) on a session that still
   * exists; a later `get`, on any replica, has it in `caps.tails`. No-op for an unknown session.
   */
  putTail(id: string, offset: number, tail: readonly string[]): Promise<void>;
  /** Releases the backend's connections (the in-process store has none). */
  close(): Promise<void>;
}

/**
 * First pages whose session could not be kept (the store was down, or the session too large): the
 * page was served, its cursor will read as expired. Counted for tests and operators, and logged
 * (the first failure, then at most one line per 30 s with the count since the last one).
 */
export class SessionWriteFailures {
  private total = 0;
  private unlogged = 0;
  private lastLoggedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: Pick<Logger, "warn">,
    /** Called on every failure (the engine's Prometheus counter). */
    private readonly onFailure: () => void = () => undefined,
  ) {}

  get count(): number {
    return this.total;
  }

  record(error: unknown): void {
    this.total += 1;
    this.onFailure();
    this.unlogged += 1;
    const now = Date.now();
    if (now - this.lastLoggedAt < 30_000) return;
    this.logger.warn(
      { err: error, failures: this.unlogged, total: this.total },
      "page session not kept: first pages are served, their cursors will read as expired (400 invalid_cursor)",
    );
    this.lastLoggedAt = now;
    this.unlogged = 0;
  }
}

/** Default lifetime of a page session: a cursor stays valid this long after the first page. */
export const PAGE_SESSION_TTL_MS = 30 * 60_000;

export function assertSessionSize(session: NewPageSession): void {
  if (session.items.length > MAX_SESSION_ITEMS) throw new RangeError(`a page session holds at most ${MAX_SESSION_ITEMS} items (got ${session.items.length})`);
}

/** Session ids start with this; popularity snapshot ids (base64url digests of 16 chars) never do. */
export const SESSION_PREFIX = "f.";
