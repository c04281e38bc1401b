// Two-tower ANN: embed the user once with the active retrieval model, then one HNSW lookup.
//   trained two-tower version → its user tower over the user's id, follows and recent items;
//   plain vectors (no user tower) → the normalised mean of the recent items' vectors.
// The model is taken once per request (activeModels.retrieval()), so a hot swap mid-request is
// harmless. No active model, or nothing to embed a vector-only model from → the source reports
// itself unavailable and the funnel serves from the other sources.
import type { CandidateSource, Scorer, ScoreUpdate, SourceCandidate } from "../funnel/index.ts";
import type { LoadedRetrievalModel } from "../retrieval/retrievalArtifacts.ts";
import type { ServingRetrieval } from "../models/servingModels.ts";
import { retrievalRows } from "../models/retrievalRows.ts";
import { ComponentUnavailableError } from "./componentUnavailableError.ts";
import { recentItemIds } from "./coVisitationSource.ts";
import type { ItemSlots } from "../caching/itemSlots.ts";

export const ANN_SOURCE_ID = "ann";
/** The score name `twoTowerScorer` writes: the two-tower's score of the candidate for the user. */
export const TWO_TOWER_SCORE = "twoTower";
export const TWO_TOWER_SCORER_ID = "twoTowerScore";

/** What the source needs from activeModels (models/activeModels.ts). */
export type RetrievalProvider = { retrieval(): { model: ServingRetrieval; version: { id: string } } | null };

function hasUserTower(model: unknown): model is LoadedRetrievalModel {
  return typeof model === "object" && model !== null && typeof (model as { userVector?: unknown }).userVector === "function";
}

/** The user's query vector, or null when there is nothing to build it from. */
export function embedUser(retrieval: ServingRetrieval, userId: string, recentNewestFirst: readonly string[]): Float32Array | null {
  if (hasUserTower(retrieval.model)) {
    const vector = retrieval.model.userVector(userId, [...recentNewestFirst].reverse());
    if (vector.length === retrieval.dimensions) return vector;
  }
  const rows = retrievalRows(retrieval);
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

const DEFAULT_HISTORY_LENGTH = 50;

/** `slots`: the serving stack's registry; each candidate is stamped with its slot, memoised by retrieval row (itemSlots.ts). */
export function twoTowerSource(models: RetrievalProvider, options: { historyLength?: number; slots?: ItemSlots } = {}): CandidateSource {
  const historyLength = options.historyLength ?? DEFAULT_HISTORY_LENGTH;
  const slots = options.slots;
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
      const found = await retrieval.index.search(vector, Math.min(retrieval.index.count, limit + skip.size));
      const out: SourceCandidate[] = [];
      const memo = slots?.memoFor(retrieval.itemIds, retrieval.itemIds.length);
      for (let r = 0; r < found.ids.length && out.length < limit; r += 1) {
        const row = found.ids[r]!;
        const itemId = retrieval.itemIds[row];
        if (itemId === undefined || skip.has(itemId)) continue;
        if (memo) {
          const itemSlot = memo.slotAt(row, itemId);
          out.push({ itemId, score: found.scores[r]!, itemSlot, itemSlotEpoch: memo.epoch });
        } else out.push({ itemId, score: found.scores[r]! });
      }
      return out;
    },
  };
}

/**
 * Scorer `twoTowerScore`: the two-tower's score (the same user vector and inner product the `ann`
 * source searches with) of every candidate, whichever source found it, as `scores.twoTower`, for
 * the retrieval prior's score fusion. Cost: one user embedding and one dot product per candidate,
 * O(candidates × dimensions), independent of the catalogue's size. Candidates the model does not
 * know, or a user with nothing to embed, get no score.
 */
export function twoTowerScorer(models: RetrievalProvider, options: { historyLength?: number; budgetMs?: number } = {}): Scorer {
  const historyLength = options.historyLength ?? DEFAULT_HISTORY_LENGTH;
  return {
    id: TWO_TOWER_SCORER_ID,
    budgetMs: options.budgetMs ?? 25,
    writes: [`scores.${TWO_TOWER_SCORE}`],
    freshScoreObjects: true,
    async score(query, candidates): Promise<ScoreUpdate[]> {
      const active = models.retrieval();
      const retrieval = active?.model;
      const vector = retrieval ? embedUser(retrieval, query.userId, recentItemIds(query.seenAtMs, query.nowMs).slice(0, historyLength)) : null;
      if (!retrieval || !vector) return candidates.map(() => ({}));
      const rows = retrievalRows(retrieval);
      const d = retrieval.dimensions;
      return candidates.map((candidate) => {
        const row = rows.get(candidate.itemId);
        if (row === undefined) return {};
        let dot = 0;
        for (let c = 0; c < d; c += 1) dot += vector[c]! * retrieval.vectors[row * d + c]!;
        return { scores: { [TWO_TOWER_SCORE]: dot } };
      });
    },
  };
}
