// Follow graph: the newest available items of the creators the user follows (query hydrator
// `follows` supplies followedCreatorIds). One indexed Postgres query per request on
// items(creator_id, published_at): at most `perCreator` items per creator, newest first overall.
import type { Database } from "@cascade/db";
import type { CandidateSource, SourceCandidate } from "../funnel/index.ts";

export const FOLLOWS_SOURCE_ID = "follows";
const HOUR_MS = 3_600_000;

export function followGraphSource(db: Database, options: { perCreator?: number; maxAgeDays?: number } = {}): CandidateSource {
  const perCreator = options.perCreator ?? 5;
  const maxAgeMs = (options.maxAgeDays ?? 30) * 24 * HOUR_MS;
  return {
    id: FOLLOWS_SOURCE_ID,
    budgetMs: 15,
    async fetch(query, limit): Promise<SourceCandidate[]> {
      const creators = query.followedCreatorIds ?? [];
      if (creators.length === 0) return [];
      const since = new Date(query.nowMs - maxAgeMs);
      const rows = await db.$queryRaw<{ id: string; publishedAt: Date }[]>`
        SELECT picked.id, picked.published_at AS "publishedAt"
        FROM unnest(${[...creators]}::text[]) AS c(creator_id)
        CROSS JOIN LATERAL (
          SELECT i.id, i.published_at FROM items i
          WHERE i.creator_id = c.creator_id AND i.available AND i.published_at > ${since}
          ORDER BY i.published_at DESC LIMIT ${perCreator}::int
        ) AS picked
        ORDER BY picked.published_at DESC, picked.id LIMIT ${limit}::int`;
      return rows.map((row) => ({ itemId: row.id, score: 1 / (1 + Math.max(0, query.nowMs - row.publishedAt.getTime()) / HOUR_MS) }));
    },
  };
}
