// The evaluation report of a training run: the retrieval table (two-tower beside popularity and
// co-occurrence on the same time split), the ANN index line, the item-to-item table (same split),
// and the ranking table (ranker beside
// the logistic-regression baseline on the same validation rows); and the same numbers as the
// metrics JSON stored with each model version, baselines under `baselines` (the console charts
// every numeric leaf and lines the baselines up by the same paths).
import { formatReportTable, type EvaluationReport } from "@cascade/core";
import type { ClickMetrics } from "../ranker/clickMetrics.ts";
import { ITEM_TO_ITEM_ROW } from "../../retrieval/itemToItemModel.ts";
import type { AnnOutputs, ItemToItemOutputs, RankerOutputs } from "./trainSteps.ts";

export type MetricsJson = { [key: string]: number | MetricsJson };

/** Finite numbers only: JSON has no NaN, and a missing metric should be absent, not 0. */
function finiteEntries(entries: [string, number][]): Record<string, number> {
  return Object.fromEntries(entries.filter(([, value]) => Number.isFinite(value)));
}

/** One row of a report as { column: value }. */
export function reportRowMetrics(report: EvaluationReport, name: string): Record<string, number> | null {
  const row = report.rows.find((entry) => entry.name === name);
  if (!row) return null;
  return finiteEntries(report.columns.map((column, j) => [column, row.values[j]!]));
}

export const TWO_TOWER_ROW = "twoTower";

/** The two-tower version's metrics: its own row, the ANN index, and every other row as a baseline. */
export function twoTowerMetricsJson(report: EvaluationReport, ann: AnnOutputs | null): MetricsJson {
  const baselines: MetricsJson = {};
  for (const row of report.rows) {
    if (row.name === TWO_TOWER_ROW) continue;
    baselines[row.name] = { retrieval: reportRowMetrics(report, row.name)! };
  }
  return {
    retrieval: reportRowMetrics(report, TWO_TOWER_ROW) ?? {},
    ...(ann
      ? {
          ann: finiteEntries([
            [`recall@${ann.k}`, ann.recall],
            ["exactMsPerQuery", ann.exactMsPerQuery],
            ["annMsPerQuery", ann.annMsPerQuery],
          ]),
        }
      : {}),
    baselines,
  };
}

/** The item-to-item version's metrics: its own row (under `retrieval`, like the two-tower's), the others as baselines. */
export function itemToItemMetricsJson(outputs: ItemToItemOutputs): MetricsJson {
  const baselines: MetricsJson = {};
  for (const row of outputs.report.rows) if (row.name !== ITEM_TO_ITEM_ROW) baselines[row.name] = { retrieval: reportRowMetrics(outputs.report, row.name)! };
  return {
    retrieval: reportRowMetrics(outputs.report, ITEM_TO_ITEM_ROW) ?? {},
    fit: finiteEntries([
      ["heldOutSeconds", outputs.fitSeconds],
      ["refitSeconds", outputs.refitSeconds],
      ["storedNeighbours", outputs.storedNeighbours],
      ["activeItems", outputs.activeItems],
    ]),
    evaluation: finiteEntries([["coldUsers", outputs.coldUsers]]),
    baselines,
  };
}

function clickJson(metrics: ClickMetrics): Record<string, number> {
  return finiteEntries([
    ["rows", metrics.rows],
    ["positives", metrics.positives],
    ["auc", metrics.auc],
    ["logLoss", metrics.logLoss],
    ["ece", metrics.ece],
    [`ndcg@${metrics.k}`, metrics.ndcgAtK],
    ["ipsAuc", metrics.ipsAuc ?? Number.NaN],
    ["ipsLogLoss", metrics.ipsLogLoss ?? Number.NaN],
  ]);
}

export const LOGISTIC_REGRESSION_BASELINE = "logisticRegression";

export function rankerMetricsJson(ranker: RankerOutputs): MetricsJson {
  const { metrics, baseline } = ranker;
  return {
    ranking: clickJson(metrics.click),
    ...(metrics.clickAtLoggedPosition ? { rankingAtLoggedPosition: clickJson(metrics.clickAtLoggedPosition) } : {}),
    like: finiteEntries([["auc", metrics.like.auc]]),
    watch: finiteEntries([
      ["meanAbsoluteError", metrics.watch.meanAbsoluteError],
      ["correlation", metrics.watch.correlation],
    ]),
    baselines: baseline
      ? {
          [LOGISTIC_REGRESSION_BASELINE]: {
            ranking: clickJson(baseline.metrics),
            ...(baseline.clickAtLoggedPosition ? { rankingAtLoggedPosition: clickJson(baseline.clickAtLoggedPosition) } : {}),
          },
        }
      : {},
  };
}

/** P(click) on the validation rows: ranker and logistic regression side by side. */
export function rankingReport(ranker: RankerOutputs): EvaluationReport {
  const k = ranker.metrics.click.k;
  const values = (m: ClickMetrics) => [m.rows, m.auc, m.logLoss, m.ece, m.ndcgAtK, m.ipsAuc ?? Number.NaN, m.ipsLogLoss ?? Number.NaN];
  const rows = [{ name: "ranker", values: values(ranker.metrics.click) }];
  if (ranker.baseline) rows.push({ name: LOGISTIC_REGRESSION_BASELINE, values: values(ranker.baseline.metrics) });
  if (ranker.metrics.clickAtLoggedPosition) rows.push({ name: "ranker @ logged position", values: values(ranker.metrics.clickAtLoggedPosition) });
  if (ranker.baseline?.clickAtLoggedPosition)
    rows.push({ name: `${LOGISTIC_REGRESSION_BASELINE} @ logged position`, values: values(ranker.baseline.clickAtLoggedPosition) });
  return {
    title: `ranking, time split: P(click) on ${ranker.split.validationRows} validation impressions from ${ranker.split.validationFrom} (trained on ${ranker.split.trainRows})`,
    columns: ["rows", "auc", "logLoss", "ece", `ndcg@${k}`, "ipsAuc", "ipsLogLoss"],
    rows,
  };
}

export function annLine(ann: AnnOutputs): string {
  const speedup = ann.exactMsPerQuery / ann.annMsPerQuery;
  return `HNSW index: ${ann.items} items × ${ann.dimensions} dims, recall@${ann.k} vs exact ${ann.recall.toFixed(4)} over ${ann.queries} user queries; ${ann.annMsPerQuery.toFixed(3)} ms/query vs exact ${ann.exactMsPerQuery.toFixed(3)} ms (${speedup.toFixed(1)}×); built in ${ann.buildSeconds.toFixed(1)} s`;
}

export type TrainReportParts = {
  plan: { model: string; trained: boolean; reason: string }[];
  retrieval: EvaluationReport | null;
  ann: AnnOutputs | null;
  itemToItem?: EvaluationReport | null;
  ranking: EvaluationReport | null;
  rankerNotes: string[];
};

/** What was trained and why, then each trained model's tables (a skipped model has none). */
export function formatTrainReport(parts: TrainReportParts): string {
  const lines = parts.plan.map((line) => `${line.model.padEnd(9)} ${line.trained ? "trained" : "skipped"}: ${line.reason}`);
  if (parts.retrieval) lines.push("", formatReportTable(parts.retrieval));
  if (parts.ann) lines.push("", annLine(parts.ann));
  if (parts.itemToItem) lines.push("", formatReportTable(parts.itemToItem));
  if (parts.ranking) lines.push("", formatReportTable(parts.ranking), ...parts.rankerNotes);
  return lines.join("\n");
}
