// Two-tower ANN: embed the user once with the active retrieval model, then one HNSW lookup.
//   trained two-tower version → its user tower over the user's id, follows and recent items;
//   plain vectors (no user tower) → the normalised mean of the recent items' vectors.
// The model is taken once per request (activeModels.retrieval()), so a hot swap mid-request is
// harmless. No active model, or nothing to embed a vector-only model from → the source reports
// itself unavailable and the funnel serves from the other sources.
import type { CandidateSource, SourceCandidate } from "../funnel/index.ts";
import type { LoadedRetrievalModel } from "../retrieval/retrievalArtifacts.ts";
import { queryAnnIndex } from "../retrieval/annIndex.ts";
import type { ServingRetrieval } from "../models/servingModels.ts";
import { ComponentUnavailableError } from "./componentUnavailableError.ts";
import { recentItemIds } from "./coVisitationSource.ts";

export const ANN_SOURCE_ID = "ann";

/** What the source needs from activeModels (models/activeModels.ts). */
export type RetrievalProvider = { retrieval(): { model: ServingRetrieval; version: { id: string } } | null };

const rowIndexes = new WeakMap<ServingRetrieval, Map<string, number>>();

function rowOf(retrieval: ServingRetrieval): Map<string, number> {
  let index = rowIndexes.get(retrieval);
  if (!index) {
    index = new Map(retrieval.itemIds.map((id, row) => [id, row]));
    rowIndexes.set(retrieval, index);
  }
  return index;
}

function hasUserTower(model: unknown): model is LoadedRetrievalModel {
  return typeof model === "object" && model !== null && typeof (model as { userVector?: unknown }).userVector === "function";
}

/** The user's query vector, or null when there is nothing to build it from. */
export function embedUser(retrieval: ServingRetrieval, userId: string, recentNewestFirst: readonly string[]): Float32Array | null {
  if (hasUserTower(retrieval.model)) {
    const vector = retrieval.model.userVector(userId, [...recentNewestFirst].reverse());
    if (vector.length === retrieval.dimensions) return vector;
  }
  const rows = rowOf(retrieval);
  const d = retrieval.dimensions;
  const mean = new Float32Array(d);
  let used = 0;
  for (const itemId of recentNewestFirst) {
    const row = rows.get(itemId);
    if (row === undefined) continue;
    for (let c = 0; c < d; c += 1) mean[c]! += retrieval.vectors[row * d + c]!;
    used += 1;
  }
  if (used === 0) return null;
  let norm = 0;
  for (let c = 0; c < d; c += 1) norm += mean[c]! * mean[c]!;
  norm = Math.sqrt(norm) || 1;
  for (let c = 0; c < d; c += 1) mean[c]! /= norm;
  return mean;
}

export function twoTowerSource(models: RetrievalProvider, options: { historyLength?: number } = {}): CandidateSource {
  const historyLength = options.historyLength ?? 50;
  return {
    id: ANN_SOURCE_ID,
    budgetMs: 25,
    async fetch(query, limit): Promise<SourceCandidate[]> {
      const active = models.retrieval();
      if (!active) throw new ComponentUnavailableError("no active retrieval model");
      const retrieval = active.model;
      const recent = recentItemIds(query.seenAtMs, query.nowMs).slice(0, historyLength);
      const vector = embedUser(retrieval, query.userId, recent);
      if (!vector) return []; // a vector-only model and a user with no history: other sources cover cold start
      const skip = new Set(recent);
      const found = queryAnnIndex(retrieval.index, vector, Math.min(retrieval.index.count, limit + skip.size));
      const out: SourceCandidate[] = [];
      for (let r = 0; r < found.ids.length && out.length < limit; r += 1) {
        const itemId = retrieval.itemIds[found.ids[r]!];
        if (itemId === undefined || skip.has(itemId)) continue;
        out.push({ itemId, score: found.scores[r]! });
      }
      return out;
    },
  };
}
