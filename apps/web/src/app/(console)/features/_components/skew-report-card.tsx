"use client";
import { Badge, Card, DataTable, type DataTableColumn, EmptyState, formatDecimal, formatInteger, formatPercent, Meter, Skeleton } from "@cascade/ui";
import type { ReactNode } from "react";
import { formatUtcDateTime } from "@/lib/format-date.ts";
import type { SkewFeature, SkewReportView } from "@/server/services/skew-report.ts";
import styles from "./features.module.css";

/** Mismatch rates are small numbers; two decimals of a percent keep 0.06 % from reading as 0 %. */
function formatRate(rate: number): string {
  if (rate === 0) return "0%";
  return rate < 0.001 ? `${(rate * 100).toFixed(2)}%` : formatPercent(rate);
}

const columns: DataTableColumn<SkewFeature>[] = [
  {
    id: "name",
    header: "Feature",
    cell: (feature) => (
      <span className={styles.skewName}>
        <code className={styles.featureName}>{feature.name}</code>
        {feature.registered === false ? (
          <Badge title="Served and compared, but no longer in feature_definitions (renamed or removed).">Not in registry</Badge>
        ) : null}
      </span>
    ),
  },
  {
    id: "compared",
    header: "Compared",
    align: "right",
    nowrap: true,
    cell: (feature) => <span data-value={feature.compared}>{formatInteger(feature.compared)}</span>,
  },
  {
    id: "mismatches",
    header: "Mismatches",
    align: "right",
    nowrap: true,
    cell: (feature) => (feature.mismatches === null ? <span className={styles.muted}>—</span> : formatInteger(feature.mismatches)),
  },
  {
    id: "mismatchRate",
    header: "Mismatch rate",
    nowrap: true,
    cell: (feature) => (
      <span data-value={feature.mismatchRate}>
        <Meter
          value={feature.mismatchRate}
          label={`Mismatch rate of ${feature.name}`}
          text={formatRate(feature.mismatchRate)}
          tone={feature.flagged ? "danger" : feature.mismatchRate > 0 ? "warning" : "success"}
          width={80}
        />
      </span>
    ),
  },
  {
    id: "meanAbsDiff",
    header: "Mean |Δ|",
    align: "right",
    nowrap: true,
    cell: (feature) => <span data-value={feature.meanAbsDiff}>{formatDecimal(feature.meanAbsDiff)}</span>,
  },
  {
    id: "maxAbsDiff",
    header: "Max |Δ|",
    align: "right",
    nowrap: true,
    cell: (feature) => <span data-value={feature.maxAbsDiff}>{formatDecimal(feature.maxAbsDiff)}</span>,
  },
  {
    id: "status",
    header: "Status",
    nowrap: true,
    cell: (feature) =>
      feature.flagged ? (
        <Badge tone="danger" dot data-value="flagged">
          Skew
        </Badge>
      ) : (
        <Badge tone="success" dot data-value="ok">
          OK
        </Badge>
      ),
  },
];

function ReportSummary({ report }: { report: SkewReportView }) {
  const flagged = report.features.filter((feature) => feature.flagged).length;
  return (
    <dl className={styles.reportMeta} data-testid="skew-report-summary" data-report-id={report.id}>
      <div>
        <dt>Verdict</dt>
        <dd>
          {report.flagged ? (
            <Badge tone="danger" dot>
              Skew in {formatInteger(flagged)} {flagged === 1 ? "feature" : "features"}
            </Badge>
          ) : (
            <Badge tone="success" dot>
              No skew
            </Badge>
          )}
        </dd>
      </div>
      <div>
        <dt>Window</dt>
        <dd data-testid="skew-report-window">
          {formatUtcDateTime(report.windowStart).replace(" UTC", "")} → {formatUtcDateTime(report.windowEnd)}
        </dd>
      </div>
      <div>
        <dt>Sample</dt>
        <dd data-testid="skew-report-sample" data-value={report.sampleSize}>
          {formatInteger(report.sampleSize)} served rows
        </dd>
      </div>
      <div>
        <dt>Threshold</dt>
        <dd data-value={report.threshold}>{formatRate(report.threshold)} mismatches</dd>
      </div>
      <div>
        <dt>Computed</dt>
        <dd>{formatUtcDateTime(report.createdAt)}</dd>
      </div>
    </dl>
  );
}

export type SkewReportCardProps = {
  /** undefined while loading; null when no report exists. */
  report: SkewReportView | null | undefined;
  loading: boolean;
  error: ReactNode;
};

export function SkewReportCard({ report, loading, error }: SkewReportCardProps) {
  const description =
    "Feature vectors the engine served (sampled), recomputed offline from the event log as of the same moment. A feature is flagged when its mismatch rate exceeds the report's threshold.";
  if (error) {
    return (
      <Card title="Train/serve skew" description={description}>
        {error}
      </Card>
    );
  }
  if (report === undefined || loading) {
    return (
      <Card title="Train/serve skew" description={description}>
        <Skeleton height={180} />
      </Card>
    );
  }
  if (report === null) {
    return (
      <Card title="Train/serve skew" description={description} data-testid="skew-report">
        <EmptyState
          title="No skew report yet"
          description={
            <>
              Run <code>cascade skew</code> (optionally <code>--from</code>, <code>--to</code>, <code>--threshold 0.01</code>) to compare the feature vectors
              logged in <code>served_feature_log</code> with their offline recomputation. The report is stored and shown here; the command exits non-zero when a
              feature is flagged, so a scheduler can alert on it.
            </>
          }
        />
      </Card>
    );
  }
  return (
    <Card
      title="Train/serve skew"
      description={description}
      flush
      data-testid="skew-report"
      actions={report.reportCount > 1 ? <span className={styles.muted}>Latest of {formatInteger(report.reportCount)} reports</span> : null}
    >
      <ReportSummary report={report} />
      {report.sampleSize === 0 ? (
        <EmptyState
          title="Nothing was compared"
          description="No served feature vectors were logged in this report's window. Sampling of served vectors must be on for the skew check to see anything."
        />
      ) : (
        <DataTable
          label="Skew per feature"
          columns={columns}
          rows={report.features}
          rowKey={(feature) => feature.name}
          rowTone={(feature) => (feature.flagged ? "danger" : undefined)}
          empty={<EmptyState title="No features in this report" />}
          data-testid="skew-table"
        />
      )}
      {report.unreadableFeatures.length > 0 ? (
        <p className={styles.footnote}>Entries not shown because they are not per-feature results: {report.unreadableFeatures.join(", ")}.</p>
      ) : null}
    </Card>
  );
}
