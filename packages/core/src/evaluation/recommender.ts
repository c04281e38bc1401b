import type { InteractionLog } from "./interactionLog.ts";

/**
 * What offline evaluation needs from any recommender — a baseline here, the two-tower + ranker
 * funnel elsewhere: given a user and their training history, the k best items not in that history,
 * best first, as dense item indices.
 */
export interface Recommender {
  recommend(user: number, history: Int32Array, k: number): Int32Array;
}

/** A recommender before it has seen the training split; the report fits each on the same split. */
export interface NamedRecommender {
  name: string;
  /** Models trained elsewhere can ignore `train` and return themselves. */
  fit(train: InteractionLog): Recommender;
}
