// Offline metrics of a P(click) scorer on a validation set: discrimination (AUC), probability
// quality (log loss, calibration with reliability bins), the ranking it would make of each logged
// slate (NDCG@K per request, clicks as gains), and the same AUC and log loss re-weighted by clipped
// inverse propensity — an estimate over every candidate rather than only what the logging policy
// favoured. Metrics come from packages/core/src/evaluation; the weighted ones from weightedMetrics.ts.
import { auc, calibration, groupedNdcgAtK, logLoss, type CalibrationBin } from "@cascade/core";
import { weightedAuc, weightedLogLoss } from "./weightedMetrics.ts";

export type ClickMetrics = {
  rows: number;
  positives: number;
  auc: number;
  logLoss: number;
  /** Expected calibration error over equal-width bins, and the largest bin gap. */
  ece: number;
  maxCalibrationGap: number;
  reliability: CalibrationBin[];
  k: number;
  /** Mean NDCG@k over requests with at least one click. */
  ndcgAtK: number;
  ndcgRequests: number;
  /** AUC and log loss with each row weighted by its clipped 1/propensity; null when none is logged. */
  ipsAuc: number | null;
  ipsLogLoss: number | null;
};

export type ClickMetricsInput = {
  scores: ArrayLike<number>;
  labels: ArrayLike<number>;
  /** Request (slate) id per row, for NDCG. */
  groups: ArrayLike<number>;
  /** Normalised inverse-propensity weights, or null when the rows carry no propensity. */
  ipsWeights: ArrayLike<number> | null;
  k: number;
  calibrationBins: number;
};

export function clickMetrics(input: ClickMetricsInput): ClickMetrics {
  const { scores, labels } = input;
  let positives = 0;
  for (let i = 0; i < labels.length; i += 1) if (labels[i]! > 0.5) positives += 1;
  const reliability = calibration(scores, labels, input.calibrationBins);
  const ndcg = groupedNdcgAtK(input.groups, scores, labels, input.k);
  return {
    rows: labels.length,
    positives,
    auc: auc(scores, labels),
    logLoss: logLoss(scores, labels),
    ece: reliability.ece,
    maxCalibrationGap: reliability.maxGap,
    reliability: reliability.bins,
    k: input.k,
    ndcgAtK: ndcg.ndcg,
    ndcgRequests: ndcg.groups,
    ipsAuc: input.ipsWeights ? weightedAuc(scores, labels, input.ipsWeights) : null,
    ipsLogLoss: input.ipsWeights ? weightedLogLoss(scores, labels, input.ipsWeights) : null,
  };
}
