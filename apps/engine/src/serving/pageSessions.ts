// Pagination for funnel feeds. The first page runs the funnel; the rest of its ranked list (after
// rules, minus what the first page served) is kept here under a session id that the cursor
// carries, so later pages continue the same list and never repeat an item, at no funnel cost.
// In-process: a cursor is valid on the replica that issued it for `ttlMs` (an unknown or expired
// session → 400 invalid_cursor; the client starts again). Bounded by `maxSessions` (oldest out).
//
// Memory: at 100 requests/s the store reaches `maxSessions` (10k × up to 500 items) within two
// minutes, and it lives for the process. As one object per item plus each item's provenance
// objects that was ~15M long-lived objects for the garbage collector to trace; SessionList keeps a
// session in a handful of flat arrays instead (scores and provenance in typed arrays) and builds
// item objects only when a later page reads them.
import type { SourceHit } from "../funnel/index.ts";
import type { DiversityCap } from "../rules/diversityWindows.ts";

/** What a session keeps to continue under the caps: the caps it was arranged under and the served tails (sessionPageCaps.ts). */
export type SessionCaps = {
  caps: readonly DiversityCap[];
  /** Cursor offset → the ids last served before it (at most the widest window − 1), oldest first. */
  tails: Map<number, readonly string[]>;
};

export type SessionItem = { itemId: string; score: number; sources: SourceHit[] };

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

export class PageSessions {
  private readonly sessions = new Map<string, PageSession>();

  constructor(private readonly options: { ttlMs: number; maxSessions: number; now?: () => number } = { ttlMs: 30 * 60_000, maxSessions: 10_000 }) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  put(session: Omit<PageSession, "createdAt">): void {
    this.sessions.set(session.id, { ...session, createdAt: this.now() });
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= this.options.maxSessions) break;
      this.sessions.delete(oldest);
    }
  }

  get(id: string): PageSession | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (this.now() - session.createdAt > this.options.ttlMs) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }
}

/** Session ids start with this; popularity snapshot ids (base64url digests of 16 chars) never do. */
export const SESSION_PREFIX = "f.";
