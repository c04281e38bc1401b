// Pagination for funnel feeds. The first page runs the funnel; the rest of its ranked list (after
// rules, minus what the first page served) is kept here under a session id that the cursor
// carries, so later pages continue the same list and never repeat an item, at no funnel cost.
// In-process: a cursor is valid on the replica that issued it for `ttlMs` (an unknown or expired
// session → 400 invalid_cursor; the client starts again). Bounded by `maxSessions` (oldest out).
import type { SourceHit } from "../funnel/index.ts";

export type SessionItem = { itemId: string; score: number; sources: SourceHit[] };
export type PageSession = { id: string; surface: string; userId: string; items: SessionItem[]; createdAt: number };

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
