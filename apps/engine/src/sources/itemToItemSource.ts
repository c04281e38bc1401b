// Item-to-item: the active item_item model's neighbours of everything the user already has on the
// query — the items they consumed (`consumedItemIds`, from the event log) and their recent items
// (`seenAtMs`, before the request's clock) — each candidate scored Σ_{seed} W[seed, candidate]
// (EASE or item kNN weights, retrieval/itemToItemModel.ts). A seed is never returned, and only
// positive totals are. A pure in-memory lookup over the seeds' neighbour lists.
// The model is taken once per request (activeModels.itemToItem()), so a hot swap mid-request is
// harmless; no active model → the source reports itself unavailable and the others serve.
import { ItemMarker } from "@cascade/core";
import type { CandidateSource, FunnelQuery, Scorer, ScoreUpdate, SourceCandidate } from "../funnel/index.ts";
import type { ServingItemToItem } from "../models/servingModels.ts";
import { itemToItemScratch, rescoreItemToItem, scoreItemToItem, type ItemToItemScratch } from "../retrieval/itemToItemModel.ts";
import { ComponentUnavailableError } from "./componentUnavailableError.ts";
import { recentItemIds } from "./coVisitationSource.ts";

export const ITEM_TO_ITEM_SOURCE_ID = "itemToItem";
/** The score name `itemToItemScorer` writes: the model's score of the candidate for the user, over every stored weight. */
export const ITEM_TO_ITEM_SCORE = "itemToItem";
export const ITEM_TO_ITEM_SCORER_ID = "itemToItemScore";

/** What the source needs from activeModels (models/activeModels.ts). */
export type ItemToItemProvider = { itemToItem(): { model: ServingItemToItem; version: { id: string } } | null };

export type ItemToItemSourceOptions = {
  /** Seeds used at most: the recent items newest first, then consumed ones. Default 500. */
  maxSeeds?: number;
};

type Workspace = { scratch: ItemToItemScratch; seeds: ItemMarker; slot: Int32Array };
const workspaces = new WeakMap<ServingItemToItem, Workspace>();

function workspaceOf(model: ServingItemToItem): Workspace {
  let workspace = workspaces.get(model);
  if (!workspace) {
    workspace = { scratch: itemToItemScratch(model), seeds: new ItemMarker(model.items), slot: new Int32Array(model.items).fill(-1) };
    workspaces.set(model, workspace);
  }
  return workspace;
}

/** The user's items known to the query: recent ones (newest first, before the request's clock), then consumed ones. */
export function seedItemIds(query: Pick<FunnelQuery, "seenAtMs" | "consumedItemIds" | "nowMs">): string[] {
  const seeds = recentItemIds(query.seenAtMs, query.nowMs);
  const recent = new Set(seeds);
  for (const itemId of query.consumedItemIds ?? []) if (!recent.has(itemId)) seeds.push(itemId);
  return seeds;
}

/** The model rows of the user's seeds (distinct, at most maxSeeds), as the source and the scorer both read them; `seeds` is cleared first. */
function seedRows(model: ServingItemToItem, query: FunnelQuery, seeds: ItemMarker, maxSeeds: number): number[] {
  seeds.clear();
  const rows: number[] = [];
  for (const itemId of seedItemIds(query)) {
    if (rows.length === maxSeeds) break;
    const row = model.rowOf.get(itemId);
    if (row !== undefined && seeds.add(row)) rows.push(row);
  }
  return rows;
}

export function itemToItemSource(models: ItemToItemProvider, options: ItemToItemSourceOptions = {}): CandidateSource {
  const maxSeeds = options.maxSeeds ?? 500;
  return {
    id: ITEM_TO_ITEM_SOURCE_ID,
    budgetMs: 15,
    async fetch(query, limit): Promise<SourceCandidate[]> {
      const active = models.itemToItem();
      if (!active) throw new ComponentUnavailableError("no active item-to-item model");
      const model = active.model;
      const { scratch, seeds } = workspaceOf(model);
      // Synchronous from here on: the shared workspace cannot be entered by another request.
      const rows = seedRows(model, query, seeds, maxSeeds);
      if (rows.length === 0) return []; // nothing the model knows: other sources cover cold start
      const found = scoreItemToItem(model, rows, limit, seeds, scratch);
      return Array.from(found.ids, (row, rank) => ({ itemId: model.itemIds[row]!, score: found.scores[rank]! }));
    },
  };
}

/**
 * Scorer `itemToItemScore`: the active item-to-item model's score of every candidate, whichever
 * source found it, Σ_{seed} W[seed, candidate] over every weight the model stores — for EASE on a
 * small catalogue all of them, where the source retrieves with each seed's strongest `neighbours`
 * (retrieval/itemToItemModel.ts) — as `scores.itemToItem`, for the retrieval prior's score fusion.
 * Cost: the seeds' stored rows (≤ 500 seeds × the row length), never the catalogue. No model, or
 * no seed it knows: no scores.
 */
export function itemToItemScorer(models: ItemToItemProvider, options: ItemToItemSourceOptions & { budgetMs?: number } = {}): Scorer {
  const maxSeeds = options.maxSeeds ?? 500;
  return {
    id: ITEM_TO_ITEM_SCORER_ID,
    budgetMs: options.budgetMs ?? 25,
    writes: [`scores.${ITEM_TO_ITEM_SCORE}`],
    freshScoreObjects: true,
    async score(query, candidates): Promise<ScoreUpdate[]> {
      const active = models.itemToItem();
      if (!active) return candidates.map(() => ({}));
      const model = active.model;
      const { seeds, slot } = workspaceOf(model);
      const rows = seedRows(model, query, seeds, maxSeeds);
      if (rows.length === 0) return candidates.map(() => ({}));
      const totals = rescoreItemToItem(
        model,
        rows,
        candidates.map((candidate) => model.rowOf.get(candidate.itemId) ?? -1),
        slot,
      );
      return candidates.map((_, c) => (Number.isNaN(totals[c]!) ? {} : { scores: { [ITEM_TO_ITEM_SCORE]: totals[c]! } }));
    },
  };
}
