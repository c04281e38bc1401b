// Tiny generated datasets with known structure for the ranker's tests: each label is drawn from a
// fixed function of the features, so a model that learns must beat chance by a wide margin, and
// features on very different scales exercise the standardisation. Also the AUC used to judge it.
import { createRandom } from "@cascade/core";
import { sigmoid } from "../../ranking/multiTaskRanker.ts";
import type { RankerDataset } from "./rankerTraining.ts";

export const SYNTHETIC_FEATURES = ["affinity", "popularity", "age_hours", "creator_score", "noise"] as const;

/**
 * Rows whose click logit is linear in the (standardised) features, whose like logit adds an
 * interaction (only clicked-ish, high-creator items get liked), and whose watch seconds grow
 * exponentially with affinity. age_hours lives around 500 ± 200, far from the others' scale.
 */
export function syntheticRankingData(rows: number, seed: number): RankerDataset {
  const random = createRandom(seed);
  const featureCount = SYNTHETIC_FEATURES.length;
  const features = new Float32Array(rows * featureCount);
  const click = new Float32Array(rows);
  const like = new Float32Array(rows);
  const watchSeconds = new Float32Array(rows);
  for (let row = 0; row < rows; row += 1) {
    const affinity = random.normal();
    const popularity = random.normal();
    const ageHours = 500 + 200 * random.normal();
    const creator = random.normal();
    const noise = random.normal();
    features.set([affinity, popularity, ageHours, creator, noise], row * featureCount);
    const age = (ageHours - 500) / 200;
    const clickLogit = 2 * affinity + popularity - 1.5 * age - 0.5;
    click[row] = random.chance(sigmoid(clickLogit)) ? 1 : 0;
    const likeLogit = 2.5 * Math.max(0, affinity) * (creator > 0 ? 1 : -1) + creator - 1.5;
    like[row] = random.chance(sigmoid(likeLogit)) ? 1 : 0;
    watchSeconds[row] = 20 * Math.exp(0.8 * affinity - 0.4 * age) * random.logNormal(0, 0.3);
  }
  return { rows, features, click, like, watchSeconds };
}

/** Area under the ROC curve: P(score of a random positive > a random negative), ties count ½. */
export function areaUnderRoc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = Array.from({ length: scores.length }, (_, index) => index).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end += 1;
    const averageRank = (start + end) / 2 + 1;
    for (let index = start; index <= end; index += 1) {
      if (labels[order[index]!]! > 0) {
        positives += 1;
        rankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
