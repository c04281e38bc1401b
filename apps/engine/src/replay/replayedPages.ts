// Replayed pages as an offline recommender: the benchmark's "served funnel" rows (and the time
// protocol's, replay/servedFunnelAfterWindow.ts). For the benchmark, every test user's page replayed
// through the engine's serving code (replay/feedReplay.ts), as of the end of what the database
// holds, with the user's validation items excluded as a client would exclude them. The pages are
// computed first (the replay is asynchronous; the protocol's recommenders are not), then handed to
// the protocol as a row that returns them, under the same masks as every other row.
import type { Interactions } from "../training/retrieval/interactions.ts";
import type { BenchmarkRecommender } from "../training/pipeline/benchmarkProtocol.ts";
import type { Recommender } from "@cascade/core";
import type { ProgressReporter } from "../telemetry/progress.ts";
import type { FeedReplay, ReplayRequest } from "./feedReplay.ts";

export type ReplayedPages = {
  pages: Map<number, Int32Array>;
  /** Pages answered degraded (a component failed or fell back). */
  degraded: number;
  /** Items served that the benchmark's catalogue does not know (never expected; counted, not hidden). */
  unknownItems: number;
  seconds: number;
};

/** Each user's validation items, by dense user index. */
export function itemsByUser(part: Interactions): Map<number, number[]> {
  const byUser = new Map<number, number[]>();
  for (let j = 0; j < part.count; j += 1) {
    const user = part.user[j]!;
    let items = byUser.get(user);
    if (!items) byUser.set(user, (items = []));
    items.push(part.item[j]!);
  }
  return byUser;
}

/** Each of `users`' page, replayed, as dense item indices; `excluded(user)` are the ids a client would have excluded. */
export async function replayPages(
  replay: FeedReplay,
  ids: { userIds: readonly string[]; itemIds: readonly string[] },
  users: readonly number[],
  request: Omit<ReplayRequest, "userId" | "excludeItemIds">,
  options: { excluded?: (user: number) => readonly string[]; concurrency?: number; progress?: ProgressReporter; label?: string } = {},
): Promise<ReplayedPages> {
  const itemIndex = new Map(ids.itemIds.map((id, index) => [id, index]));
  const pages = new Map<number, Int32Array>();
  let degraded = 0;
  let unknownItems = 0;
  const started = performance.now();
  options.progress?.start(options.label ?? "served funnel replay", users.length);
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const user = users[next++]!;
      const { response } = await replay.feed({ ...request, userId: ids.userIds[user]!, excludeItemIds: options.excluded?.(user) ?? [] });
      if (response.degraded) degraded += 1;
      const page: number[] = [];
      for (const item of response.items) {
        const index = itemIndex.get(item.itemId);
        if (index === undefined) unknownItems += 1;
        else page.push(index);
      }
      pages.set(user, Int32Array.from(page));
      options.progress?.increment();
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  } finally {
    options.progress?.stop();
  }
  return { pages, degraded, unknownItems, seconds: (performance.now() - started) / 1000 };
}

/** The benchmark's test users, each with their validation items excluded. */
export function replayTestUsers(
  replay: FeedReplay,
  ids: { userIds: readonly string[]; itemIds: readonly string[] },
  split: { validation: Interactions; test: Interactions },
  request: Omit<ReplayRequest, "userId" | "excludeItemIds">,
  options: { progress?: ProgressReporter; label?: string } = {},
): Promise<ReplayedPages> {
  const validation = itemsByUser(split.validation);
  const users = [...itemsByUser(split.test).keys()];
  return replayPages(replay, ids, users, request, { ...options, excluded: (user) => (validation.get(user) ?? []).map((item) => ids.itemIds[item]!) });
}

/** A recommender serving the replayed pages (a user without one gets an empty list). */
export function replayedRecommender(replayed: Pick<ReplayedPages, "pages">): Recommender {
  return {
    recommend: (user, history, k) => {
      const page = replayed.pages.get(user) ?? new Int32Array(0);
      // The replay already left out the user's consumed items; the history check keeps the
      // protocol's contract for any the engine's consumed filter did not cover.
      const seen = new Set(history);
      return Int32Array.from([...page].filter((item) => !seen.has(item)).slice(0, k));
    },
  };
}

/** A benchmark row serving the replayed pages. */
export function replayedRow(name: string, replayed: ReplayedPages): BenchmarkRecommender {
  return { name, create: () => replayedRecommender(replayed) };
}
