// Request bodies for the ingestion benchmark: `POST /v1/events` batches of realistic, valid,
// unique events (a mix of types, surfaces, experiment context), built as JSON text directly —
// the load generator must stay cheap next to the engine it measures.
import type { EventType } from "@cascade/core";

/** The benchmark's event mix (weights are relative frequencies); ingestWriter.ts uses it too. */
export const BENCH_EVENT_MIX: readonly { type: EventType; weight: number; value?: () => number }[] = [
  { type: "impression", weight: 60 },
  { type: "click", weight: 18 },
  { type: "like", weight: 5 },
  { type: "share", weight: 2 },
  { type: "hide", weight: 2 },
  { type: "watch", weight: 10, value: () => Math.round(Math.random() * 600) },
  { type: "purchase", weight: 2, value: () => Math.round(Math.random() * 10_000) / 100 },
  { type: "rating", weight: 1, value: () => Math.round(Math.random() * 10) },
];
export const BENCH_EVENT_MIX_WEIGHT = BENCH_EVENT_MIX.reduce((sum, entry) => sum + entry.weight, 0);
const SURFACES = ["home", "video", "shop"];

/**
 * How events are spread over users. "slates" (default): every 16 consecutive events are one served
 * request — one user, one request id, positions 0–15 — as a client reports a slate's impressions
 * and what the user did with it. "scattered": every event has a random user (the first version of
 * this benchmark; it gives the feature writer nothing to merge per user, the worst case).
 */
export type EventShape = "slates" | "scattered";
export const SLATE_SIZE = 16;

export type BodyOptions = { batchSize: number; users: number; items: number; idPrefix: string; shape: EventShape };

export const ITEM_ID_PREFIX = "bench-item-";

export function itemId(n: number): string {
  return `${ITEM_ID_PREFIX}${n}`;
}

/** One JSON body; `sequence` makes event ids unique across calls with the same prefix. */
export function eventsBody(options: BodyOptions, sequence: number): string {
  const timestamp = new Date().toISOString();
  const parts: string[] = new Array(options.batchSize);
  let user = 0;
  for (let n = 0; n < options.batchSize; n += 1) {
    let pick = Math.random() * BENCH_EVENT_MIX_WEIGHT;
    let chosen = BENCH_EVENT_MIX[0]!;
    for (const entry of BENCH_EVENT_MIX) {
      pick -= entry.weight;
      if (pick < 0) {
        chosen = entry;
        break;
      }
    }
    if (options.shape === "scattered" || n % SLATE_SIZE === 0) user = Math.floor(Math.random() * options.users);
    const item = Math.floor(Math.random() * options.items);
    const value = chosen.value ? `,"value":${chosen.value()}` : "";
    const context = user % 2 === 0 ? `,"context":{"experiment":"ranker-v2","variant":"${user % 4 === 0 ? "a" : "b"}","device":"ios"}` : "";
    parts[n] =
      `{"eventId":"${options.idPrefix}-${sequence}-${n}","type":"${chosen.type}","userId":"bench-user-${user}","itemId":"${itemId(item)}",` +
      `"timestamp":"${timestamp}","surface":"${SURFACES[user % 3]}","position":${n % SLATE_SIZE},"requestId":"req-${sequence}-${Math.floor(n / SLATE_SIZE)}"${value}${context}}`;
  }
  return `{"events":[${parts.join(",")}]}`;
}
