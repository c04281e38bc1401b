// THE GENERATIVE MODEL of the demo world — the product's test bed. A good recommender should
// recover t_u·v_i (taste × item) from the logged events; evaluation code can regenerate the world
// from the seed (generateWorld) and score a model against the functions in this file.
//
// Notation: σ(x) = 1/(1+e^-x); unit(x) = x/‖x‖; η = a uniformly random unit vector; D = 32.
// Window [T0, T1]: T1 = config.endAtMs, T0 = T1 − days.
//
// World (world.ts)
//   genres      g = 1..min(K, 20): direction g_g = η_g (music, comedy, gaming, …)
//   categories  k = 1..K (K = clamp(items/50, 2, 100)): many niches, niche k of genre k mod 20
//               ("music-2" is a music niche): centroid c_k = unit(0.5·g_{k mod 20} + 0.85·η_k);
//               size share ρ ~ Dirichlet_K(2)
//   creators    c = 1..max(K, items/10): category k_c ~ ρ (the first K cover each category);
//               style σ_c = η_c;
//               vector w_c = unit(0.8·c_k + 0.6·σ_c); popularity π_c ~ LogNormal(0, 1)
//   items       i: creator c_i ~ π (popular creators are prolific); category k_i = k_{c_i} (85%) or ~ρ;
//               latent v_i = unit(0.7·c_{k_i} + 0.5·σ_{c_i} + 0.4·η_i);
//               popularity p_i = π_c^0.5 · min(U^(−1/1.6), 10³)  (Pareto tail ⇒ power-law exposure,
//               drawn within each niche by the policy, so every niche has its own head);
//               quality q_i = standardised ln p_i; published: 3% in [T1−2d, T1] ("fresh"),
//               27% in [T0, T1−2d], 70% in [T0−180d, T0]; 2% taken down at a time in the window
//               (available = false); duration ~ LogNormal(ln 240 s, 0.8); 25% shoppable with
//               price ~ LogNormal(ln 25, 0.9)
//   users       u: taste mixture θ_u ~ Dirichlet_K(0.05) (concentrated on a few favourite niches);
//               taste t_u = unit(unit(Σ_k θ_uk·c_k) + 0.45·η_u); activity α_u ~ LogNormal(0, 1);
//               15% join during the window (cold start), the rest before it
//   follows     ~Poisson(3 + 2·min(α_u, 3)) per user; each: category ~ θ_u (85%) else uniform,
//               best of 3 popularity-weighted creators of that category by t_u·w_c
//
// Behaviour (this file; simulated per session by sessionSimulator.ts)
//   affinity        a(u,i) = t_u·v_i ∈ [−1, 1]
//   follow          F(u,i,t) = 1 if u follows c_i at time t, else 0
//   relevance       r(u,i,t) = σ(−4.5 + 5·a + 0.35·q_i + 0.8·F)
//   examination     e(pos) = (1 + pos)^−0.7                      (position bias, pos from 0)
//   click           P(click) = e(pos) · r(u,i,t)                 (position-based click model)
//   after a click   watch: 85%, value = round(duration_i · σ(−0.5 + 3a + 0.7·N(0,1))) seconds
//                   like: σ(−2.5 + 3a + 0.5F);  share: 15% of likes
//                   purchase (shoppable only): σ(−4.5 + 3a + 0.2·q_i), value = price_i
//                   rating: 5%, value = clamp(round(3 + 3a + 0.8·N(0,1)), 1, 5)
//   examined, no click   hide: 0.15·σ(−6a − 1);  else dislike: 0.4× that   (low affinity ⇒ more)
//
// Logging policy (loggingPolicy.ts): a candidate pool (home: 6 draws by global popularity, 30 by
// popularity within a niche drawn from θ_u, 10 from followed creators, 4 recent; `related`: the
// anchor's niche and creator, popular, recent), scored — a personalised policy that still leans
// on popularity — s_j = 0.25·ln p_j + 5·(a(u,j) + N(0, 0.35²)) + 0.5·F (+ 2·v_anchor·v_j on
// `related`), and a slate
// drawn by Plackett–Luce without replacement, mixed with 10% uniform exploration. Each impression
// logs propensity π(j | slots above) = 0.9·e^{s_j}/Σ_{remaining} e^{s} + 0.1/|remaining|, given
// this request's pool and scores (as an engine logs the probability of its own random choice).
// Position 0's propensity is the item's marginal probability of leading the slate; the product
// over positions is the probability of the whole slate.
//
// Traffic (sessionSchedule.ts, sessionSimulator.ts): sessions per (user, day) ~ Poisson(λ·α_u·
// weekday factor) after the user joined, started along a diurnal curve, λ calibrated by a pilot
// run to hit the configured event count; 1 + Geometric(mean 2) requests per session, `home`
// first, `related` (anchored on the last click, context.anchorItemId) 35% of the time after a
// click. Every event carries its slot's request_id, position, surface and propensity; events
// after the window's end are dropped; event ids are demo-<seed>-<sequence in time order>.
import type { DemoWorld } from "./world.ts";
import { dotRows } from "./vectors.ts";

export const BEHAVIOUR_PARAMETERS = {
  relevanceBias: -4.5,
  relevanceAffinity: 5,
  relevanceQuality: 0.35,
  relevanceFollow: 0.8,
  positionDecay: 0.7,
  watchAfterClick: 0.85,
  watchBias: -0.5,
  watchAffinity: 3,
  watchNoise: 0.7,
  likeBias: -2.5,
  likeAffinity: 3,
  likeFollow: 0.5,
  shareOfLikes: 0.15,
  purchaseBias: -4.5,
  purchaseAffinity: 3,
  purchaseQuality: 0.2,
  ratingAfterClick: 0.05,
  hideScale: 0.15,
  hideAffinity: -6,
  hideBias: -1,
  dislikeShareOfHide: 0.4,
} as const;

const B = BEHAVIOUR_PARAMETERS;

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** a(u,i) = t_u·v_i: how much user u's taste matches item i (cosine, both vectors are unit). */
export function affinity(world: DemoWorld, user: number, item: number): number {
  return dotRows(world.users.taste, user, world.items.vector, item, world.dimensions);
}

/** Whether `user` follows `creator` at `timeMs` (follows made later do not count yet). */
export function followsCreatorAt(world: DemoWorld, user: number, creator: number, timeMs: number): boolean {
  const { followOffsets, followCreators, followedAtMs } = world.users;
  for (let f = followOffsets[user]!; f < followOffsets[user + 1]!; f += 1) {
    if (followCreators[f] === creator) return followedAtMs[f]! <= timeMs;
  }
  return false;
}

/** r(u,i,t): probability that the user clicks the item once they have looked at it. */
export function relevance(world: DemoWorld, user: number, item: number, timeMs: number): number {
  const follow = followsCreatorAt(world, user, world.items.creator[item]!, timeMs) ? 1 : 0;
  return relevanceFrom(affinity(world, user, item), world.items.quality[item]!, follow);
}

export function relevanceFrom(affinityValue: number, quality: number, follow: number): number {
  return sigmoid(B.relevanceBias + B.relevanceAffinity * affinityValue + B.relevanceQuality * quality + B.relevanceFollow * follow);
}

/** e(pos): probability that a user looks at the slot at 0-based position `position`. */
export function examinationProbability(position: number): number {
  return Math.pow(1 + position, -B.positionDecay);
}

/** P(click) of an item shown at a position: examination × relevance. */
export function clickProbability(world: DemoWorld, user: number, item: number, position: number, timeMs: number): number {
  return examinationProbability(position) * relevance(world, user, item, timeMs);
}

export function likeProbability(affinityValue: number, follow: number): number {
  return sigmoid(B.likeBias + B.likeAffinity * affinityValue + B.likeFollow * follow);
}

export function purchaseProbability(affinityValue: number, quality: number): number {
  return sigmoid(B.purchaseBias + B.purchaseAffinity * affinityValue + B.purchaseQuality * quality);
}

/** Share of the item watched, given a standard normal draw for this viewing. */
export function watchedShare(affinityValue: number, normalDraw: number): number {
  return sigmoid(B.watchBias + B.watchAffinity * affinityValue + B.watchNoise * normalDraw);
}

export function ratingStars(affinityValue: number, normalDraw: number): number {
  return Math.min(5, Math.max(1, Math.round(3 + 3 * affinityValue + 0.8 * normalDraw)));
}

/** P(hide) of an item the user looked at and did not click. */
export function hideProbability(affinityValue: number): number {
  return B.hideScale * sigmoid(B.hideAffinity * affinityValue + B.hideBias);
}
