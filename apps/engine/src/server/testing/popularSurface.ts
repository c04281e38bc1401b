// A surface served from a few liked items, for tests that need non-empty pages (an empty page is
// not an exposure, a preview with nothing in it shows nothing): the items are upserted and liked
// through the API, the events settled into the log, the popularity list refreshed, and the surface
// published with the popularity source only (no seen filter: a user may be served the same items
// again, no exploration: pages are deterministic).
import type { SurfaceConfigInput } from "@cascade/core";
import type { TestEngine } from "./testEngine.ts";

/**
 * The popularity source alone over up to 5,000 candidates, with generous budgets (tests check
 * ranking semantics, not latency on a loaded test machine), no seen filter and no exploration:
 * deterministic pages. Spread it and override what a test needs.
 */
export const POPULARITY_ONLY_CONFIG = {
  sources: [{ id: "popularity", quota: 5000, budgetMs: 1000 }],
  maxCandidates: 5000,
  hydrationBudgetMs: 2000,
  scoringBudgetMs: 2000,
  filters: { seenWindowHours: 0 },
  blend: { click: 1 },
  exploration: { policy: "none" },
} satisfies SurfaceConfigInput;

export async function publishPopularSurface(engine: TestEngine, surface: string, itemNames: readonly string[] = ["a", "b", "c"]): Promise<string[]> {
  const { authorization } = await engine.createApiKey(["ingest"]);
  const items = itemNames.map((name) => `${engine.run}-${name}`);
  const upserted = await engine.app.inject({
    method: "PUT",
    url: "/v1/items",
    headers: { authorization },
    payload: { items: items.map((id) => ({ id, category: "c", publishedAt: "2026-01-01T00:00:00Z" })) },
  });
  if (upserted.statusCode !== 200) throw new Error(`items not upserted: ${upserted.body}`);
  const events = items.map((itemId, n) => ({
    eventId: `${engine.run}-${surface}-like-${n}`,
    itemId,
    userId: `${engine.run}-fan`,
    type: "like",
    timestamp: new Date(Date.now() - 3_600_000).toISOString(),
  }));
  const posted = await engine.app.inject({ method: "POST", url: "/v1/events", headers: { authorization }, payload: { events } });
  if (posted.statusCode !== 200) throw new Error(`events not accepted: ${posted.body}`);
  await engine.settleEvents();
  await engine.ranking.refresh();
  await engine.publishSurface(surface, {
    sources: [{ id: "popularity", quota: 500, budgetMs: 1000 }],
    maxCandidates: 500,
    filters: { seenWindowHours: 0 },
    blend: { click: 1 },
    exploration: { policy: "none" },
  });
  return items;
}
