// The training data window and a fingerprint of the data in it. The window is on the data's own
// clock, never the wall clock's: without an explicit end it ends just after the newest event, and
// without a length (`days`) or start it begins at the oldest event — a historical log (MovieLens
// ends in 1998) trains on all of itself. Re-running on unchanged data resolves to the same window
// (and the same digests); new events move it. The fingerprint (counts, newest ids and a sum of
// per-row hashes of the event log up to the end of the label window, the catalogue and the follow
// graph) changes whenever rows the trainers read change — e.g. after an import into the past —
// so cached steps are not reused for data they did not see.
import type { Database } from "@cascade/db";
import { DAY_MS } from "../../retrieval/twoTowerModel.ts";
import type { TrainConfig } from "./trainConfig.ts";

export type DataWindow = { from: Date; to: Date };

export type DataFingerprint = {
  events: { count: number; maxId: string; hashSum: string };
  items: { count: number; hashSum: string };
  follows: { count: number; hashSum: string };
};

export class EmptyDataError extends Error {
  override readonly name = "EmptyDataError";
}

export async function resolveDataWindow(
  db: Database,
  config: TrainConfig["window"],
  overrides: { from?: Date; to?: Date; days?: number } = {},
): Promise<DataWindow> {
  const days = overrides.days ?? (overrides.from || config.from ? undefined : config.days);
  let to = overrides.to ?? (config.to ? new Date(config.to) : undefined);
  let oldest: Date | null = null;
  if (!to || (days === undefined && !overrides.from && !config.from)) {
    const [row] = await db.$queryRaw<{ newest: Date | null; oldest: Date | null }[]>`SELECT max(occurred_at) AS newest, min(occurred_at) AS oldest FROM events`;
    if (!row?.newest || !row.oldest)
      throw new EmptyDataError("the event log is empty: import or seed data before training (cascade seed --demo, cascade import …)");
    to ??= new Date(row.newest.getTime() + 1);
    oldest = row.oldest;
  }
  const from =
    overrides.from ??
    (days !== undefined ? new Date(to.getTime() - days * DAY_MS) : config.from ? new Date(config.from) : (oldest ?? new Date(to.getTime() - DAY_MS)));
  if (!(from.getTime() < to.getTime())) throw new RangeError(`the training window is empty: from ${from.toISOString()} is not before to ${to.toISOString()}`);
  return { from, to };
}

/** Everything before `readUntil` in the event log, plus the catalogue and follows. */
export async function fingerprintData(db: Database, readUntil: Date): Promise<DataFingerprint> {
  const [events] = await db.$queryRaw<{ count: bigint; maxId: bigint | null; hashSum: bigint | null }[]>`
    SELECT count(*) AS count, max(id) AS "maxId", sum(hashtext(event_id || ':' || coalesce(value::text, '')))::bigint AS "hashSum"
    FROM events WHERE occurred_at < ${readUntil}::timestamptz`;
  const [items] = await db.$queryRaw<{ count: bigint; hashSum: bigint | null }[]>`
    SELECT count(*) AS count, sum(hashtext(id || ':' || category || ':' || coalesce(creator_id, '') || ':' || coalesce(array_to_string(tags, ','), '') || ':' || published_at::text))::bigint AS "hashSum"
    FROM items`;
  const [follows] = await db.$queryRaw<{ count: bigint; hashSum: bigint | null }[]>`
    SELECT count(*) AS count, sum(hashtext(user_id || ':' || creator_id || ':' || created_at::text))::bigint AS "hashSum" FROM follows`;
  return {
    events: { count: Number(events!.count), maxId: String(events!.maxId ?? 0), hashSum: String(events!.hashSum ?? 0) },
    items: { count: Number(items!.count), hashSum: String(items!.hashSum ?? 0) },
    follows: { count: Number(follows!.count), hashSum: String(follows!.hashSum ?? 0) },
  };
}
