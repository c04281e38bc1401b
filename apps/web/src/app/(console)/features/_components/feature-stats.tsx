import { formatDuration, formatInteger, formatPercent, StatCard } from "@cascade/ui";
import type { ReactNode } from "react";
import { FEATURE_ENTITIES, FEATURE_ENTITY_LABELS } from "@/lib/feature-list-query.ts";
import { formatUtcDateTime } from "@/lib/format-date.ts";
import type { FeatureList } from "@/server/services/feature.ts";
import type { SkewReportView } from "@/server/services/skew-report.ts";
import styles from "./features.module.css";

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Registry-wide numbers (they ignore the table's filters) and the latest skew verdict. */
export function FeatureStats({
  features,
  skewReport,
}: {
  features: FeatureList;
  /** undefined while loading, null when there is no report. */
  skewReport: SkewReportView | null | undefined;
}) {
  const entitySummary = FEATURE_ENTITIES.filter((entity) => features.byEntity[entity] > 0)
    .map((entity) => `${formatInteger(features.byEntity[entity])} ${FEATURE_ENTITY_LABELS[entity].toLowerCase()}`)
    .join(" · ");
  // Coverage of the features that have online state (context features always have a value).
  // Only the rows on screen carry coverage, so the median follows the filter; said in the hint.
  const measured = features.rows.filter((row) => row.entity !== "context" && row.coverage !== null);
  const medianCoverage = median(measured.map((row) => row.coverage!));
  const flaggedCount = skewReport?.features.filter((feature) => feature.flagged).length ?? 0;

  let skewValue = "…";
  let skewHint: ReactNode = "Loading the latest report";
  if (skewReport === null) {
    skewValue = "No report";
    skewHint = (
      <>
        Run <code>cascade skew</code> to check
      </>
    );
  } else if (skewReport) {
    skewValue = skewReport.flagged ? `${formatInteger(flaggedCount)} flagged` : "Clean";
    skewHint = `Latest report, ${formatUtcDateTime(skewReport.createdAt)}`;
  }

  return (
    <div className={styles.stats}>
      <StatCard label="Features" value={features.total} hint={entitySummary || "None registered yet"} data-testid="stat-features" />
      <StatCard
        label="Stale or never updated"
        value={features.needsAttention}
        hint={`No online update for over ${formatDuration(features.staleAfterMs)}, or none at all`}
        data-testid="stat-features-attention"
      />
      <StatCard
        label="Median coverage"
        value={medianCoverage === null ? "—" : formatPercent(medianCoverage)}
        hint={measured.length > 0 ? `Over ${formatInteger(measured.length)} measured features shown` : "Not measured yet"}
        data-testid="stat-features-coverage"
      />
      <StatCard label="Train/serve skew" value={skewValue} hint={skewHint} data-testid="stat-features-skew" />
    </div>
  );
}
