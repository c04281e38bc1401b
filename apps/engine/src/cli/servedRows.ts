// `cascade eval --protocol benchmark --served`: the served funnel's rows of the benchmark table.
// The database must hold the supplied split's train part only (what an engine fed with it would
// serve from); the replay runs as of its newest event with the registry's active models, for every
// test user, once as served (exploration on) and once with exploration off.
import type { Database } from "@cascade/db";
import type { BenchmarkRecommender, BenchmarkSplitInteractions } from "../training/pipeline/benchmarkProtocol.ts";
import type { Interactions } from "../training/retrieval/interactions.ts";
import { withActiveModelsReplay } from "../replay/feedReplay.ts";
import { replayedRow, replayTestUsers, type ReplayedPages } from "../replay/replayedPages.ts";
import type { ProgressReporter } from "../telemetry/progress.ts";

export const SERVED_ROWS = { asServed: "served funnel (replay)", explorationOff: "served funnel (replay, exploration off)" } as const;

type IdsAndInteractions = { userIds: readonly string[]; itemIds: readonly string[]; interactions: Interactions };

export type ServedRows = {
  rows: BenchmarkRecommender[];
  asOfMs: number;
  eventsReplayed: number;
  summary: {
    users: number;
    degradedPages: Record<string, number>;
    replaySeconds: Record<string, number>;
    activeModels: Record<string, string | null>;
    notes: string;
  };
};

function pairKeys(source: IdsAndInteractions, part: Interactions = source.interactions): Set<string> {
  const keys = new Set<string>();
  for (let j = 0; j < part.count; j += 1) keys.add(`${source.userIds[part.user[j]!]}\t${source.itemIds[part.item[j]!]}`);
  return keys;
}

export async function replayServedRows(
  db: Database,
  input: {
    original: IdsAndInteractions;
    data: { userIds: readonly string[]; itemIds: readonly string[] };
    split: BenchmarkSplitInteractions;
    surface: string;
    k: number;
  },
  progress: ProgressReporter,
): Promise<ServedRows> {
  const held = pairKeys(input.original);
  const leaked = [...pairKeys({ ...input.data, interactions: input.split.test })].filter((key) => held.has(key)).length;
  if (leaked > 0)
    throw new Error(
      `--served: the database holds ${leaked} of the test split's interactions, so the served funnel would recommend from them; import only the train part (e.g. bench/servedFunnelHttp.ts split) and train on it`,
    );

  return withActiveModelsReplay(db, { progress }, async (replay, models) => {
    const variants: [string, boolean][] = [
      [SERVED_ROWS.asServed, true],
      [SERVED_ROWS.explorationOff, false],
    ];
    const rows: BenchmarkRecommender[] = [];
    const degradedPages: Record<string, number> = {};
    const replaySeconds: Record<string, number> = {};
    let users = 0;
    for (const [name, exploration] of variants) {
      const replayed: ReplayedPages = await replayTestUsers(
        replay,
        input.data,
        input.split,
        { surface: input.surface, count: input.k, exploration },
        { progress, label: name },
      );
      if (replayed.unknownItems > 0) throw new Error(`--served: the replay served ${replayed.unknownItems} items the benchmark's catalogue does not know`);
      rows.push(replayedRow(name, replayed));
      degradedPages[name] = replayed.degraded;
      replaySeconds[name] = replayed.seconds;
      users = replayed.pages.size;
    }
    const status = models.status();
    const activeModels = { retrieval: status.retrieval?.id ?? null, itemToItem: status.itemToItem?.id ?? null, ranker: status.ranker?.id ?? null };
    const notes = `${users} users; degraded pages ${Object.values(degradedPages).join(" / ")}; replay ${Object.values(replaySeconds)
      .map((s) => `${s.toFixed(1)} s`)
      .join(" / ")}; models ${JSON.stringify(activeModels)}`;
    return { rows, asOfMs: replay.asOfMs, eventsReplayed: replay.eventsReplayed, summary: { users, degradedPages, replaySeconds, activeModels, notes } };
  });
}
