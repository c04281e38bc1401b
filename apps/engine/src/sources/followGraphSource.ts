// Follow graph: the newest available items of the creators the user follows (query hydrator
// `follows` supplies followedCreatorIds): at most `perCreator` items per creator, newest first
// overall. Each creator's newest items come from an in-process cache (`creatorItemsTtlMs`, 30 s by
// default: a new item of a followed creator shows up within that); the creators it misses are read
// in ONE indexed Postgres query on items(creator_id, published_at) — none when all are cached. The
// serving stack shares that cache with the user-relations read (hydrators/userRelations.ts), which
// fills it for the user's creators in the statement the query hydrators wait for anyway, so the
// source (a 15 ms budget) seldom needs a round trip of its own.
import type { CandidateSource, SourceCandidate } from "../funnel/index.ts";
import { ExpiringCache } from "../caching/expiringCache.ts";
import type { ServingSql } from "../postgres/servingSql.ts";

export const FOLLOWS_SOURCE_ID = "follows";
const HOUR_MS = 3_600_000;

export type CreatorItem = { id: string; publishedAtMs: number };

/** Items kept per creator, and how old an item may be (days). */
export const FOLLOW_GRAPH_DEFAULTS = { perCreator: 5, maxAgeDays: 30 } as const;

export type FollowGraphSourceOptions = {
  perCreator?: number;
  maxAgeDays?: number;
  creatorItemsTtlMs?: number;
  maxCreators?: number;
  /** The per-creator cache, when someone else fills it too (the serving stack's user-relations read); else one of its own. */
  cache?: ExpiringCache<CreatorItem[]>;
};

export function followGraphSource(sql: ServingSql, options: FollowGraphSourceOptions = {}): CandidateSource {
  const perCreator = options.perCreator ?? FOLLOW_GRAPH_DEFAULTS.perCreator;
  const maxAgeMs = (options.maxAgeDays ?? FOLLOW_GRAPH_DEFAULTS.maxAgeDays) * 24 * HOUR_MS;
  const cache = options.cache ?? new ExpiringCache<CreatorItem[]>({ ttlMs: options.creatorItemsTtlMs ?? 30_000, maxEntries: options.maxCreators ?? 200_000 });

  async function newestOf(creators: string[], since: Date): Promise<Map<string, CreatorItem[]>> {
    const rows = await sql.rows<{ creatorId: string; id: string; publishedAt: Date }>(
      `SELECT c.creator_id AS "creatorId", picked.id, picked.published_at AS "publishedAt"
       FROM unnest($1::text[]) AS c(creator_id)
       CROSS JOIN LATERAL (
         SELECT i.id, i.published_at FROM items i
         WHERE i.creator_id = c.creator_id AND i.available AND i.published_at > $2
         ORDER BY i.published_at DESC LIMIT $3::int
       ) AS picked`,
      [creators, since, perCreator],
    );
    const byCreator = new Map<string, CreatorItem[]>();
    for (const row of rows) {
      const list = byCreator.get(row.creatorId) ?? [];
      list.push({ id: row.id, publishedAtMs: row.publishedAt.getTime() });
      byCreator.set(row.creatorId, list);
    }
    return byCreator;
  }

  return {
    id: FOLLOWS_SOURCE_ID,
    budgetMs: 15,
    async fetch(query, limit): Promise<SourceCandidate[]> {
      const creators = [...new Set(query.followedCreatorIds ?? [])];
      if (creators.length === 0) return [];
      const sinceMs = query.nowMs - maxAgeMs;
      const lists = await cache.getMany(creators, (missing) => newestOf(missing, new Date(sinceMs)), []);
      const picked: CreatorItem[] = [];
      for (const list of lists.values()) for (const item of list) if (item.publishedAtMs > sinceMs) picked.push(item);
      // Newest first, ties by id (the query's former ORDER BY).
      picked.sort((a, b) => b.publishedAtMs - a.publishedAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return picked.slice(0, limit).map((item) => ({ itemId: item.id, score: 1 / (1 + Math.max(0, query.nowMs - item.publishedAtMs) / HOUR_MS) }));
    },
  };
}
