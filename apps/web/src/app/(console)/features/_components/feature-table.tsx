"use client";
import { Badge, DataTable, type DataTableColumn, formatDecimal, formatDuration, formatPercent, Meter } from "@cascade/ui";
import type { ReactNode } from "react";
import { FEATURE_ENTITY_LABELS } from "@/lib/feature-list-query.ts";
import { formatUtcDateTime } from "@/lib/format-date.ts";
import type { FeatureRow } from "@/server/services/feature.ts";
import styles from "./features.module.css";

/** Coverage below this share is drawn in the warning colour (most entities get the default). */
const LOW_COVERAGE = 0.1;

function Freshness({ row, staleAfterMs }: { row: FeatureRow; staleAfterMs: number }): ReactNode {
  const updated = row.lastOnlineUpdateAt ? `Last online update ${formatUtcDateTime(row.lastOnlineUpdateAt)}` : undefined;
  switch (row.freshness) {
    case "per_request":
      return (
        <span className={styles.muted} title="Computed from the request itself; no online state to age.">
          Per request
        </span>
      );
    case "never":
      return (
        <Badge tone="warning" dot title="The online store has no update stamp for this feature.">
          Never updated
        </Badge>
      );
    case "stale":
      return (
        <Badge tone="warning" dot title={`${updated ?? ""} — older than ${formatDuration(staleAfterMs)}`}>
          Stale · {formatDuration(row.freshnessMs ?? 0)} ago
        </Badge>
      );
    case "fresh":
      return (
        <span className={styles.fresh} title={updated}>
          <span className={styles.freshDot} aria-hidden="true" />
          {formatDuration(row.freshnessMs ?? 0)} ago
        </span>
      );
  }
}

function columns(staleAfterMs: number): DataTableColumn<FeatureRow>[] {
  return [
    {
      id: "name",
      header: "Feature · type",
      width: "36%",
      cell: (row) => (
        <>
          <span className={styles.nameLine}>
            <code className={styles.featureName}>{row.name}</code>
            <span className={styles.valueType} title="Value type" data-type={row.valueType}>
              {row.valueType}
            </span>
          </span>
          <span className={styles.description}>{row.description}</span>
        </>
      ),
    },
    {
      id: "entity",
      header: "Entity",
      nowrap: true,
      cell: (row) => (
        <Badge tone={row.entity === "context" ? "neutral" : "accent"} data-value={row.entity}>
          {FEATURE_ENTITY_LABELS[row.entity]}
        </Badge>
      ),
    },
    {
      id: "window",
      header: "Window",
      nowrap: true,
      cell: (row) => (row.window ? <span data-value={row.window}>{row.window}</span> : <span className={styles.muted}>—</span>),
    },
    {
      id: "default",
      header: "Default",
      align: "right",
      nowrap: true,
      cell: (row) => <span data-value={row.defaultValue}>{formatDecimal(row.defaultValue)}</span>,
    },
    {
      id: "freshness",
      header: "Freshness",
      nowrap: true,
      cell: (row) => (
        <span data-freshness={row.freshness} data-value={row.freshnessMs ?? ""}>
          <Freshness row={row} staleAfterMs={staleAfterMs} />
        </span>
      ),
    },
    {
      id: "coverage",
      header: "Coverage",
      nowrap: true,
      cell: (row) =>
        row.coverage === null ? (
          <span className={styles.muted} data-value="">
            Not measured
          </span>
        ) : (
          <span data-value={row.coverage}>
            <Meter
              value={row.coverage}
              label={`Coverage of ${row.name}`}
              text={formatPercent(row.coverage)}
              tone={row.coverage < LOW_COVERAGE ? "warning" : "accent"}
              width={56}
            />
          </span>
        ),
    },
  ];
}

export type FeatureTableProps = {
  rows: readonly FeatureRow[];
  staleAfterMs: number;
  busy: boolean;
  empty: ReactNode;
};

export function FeatureTable({ rows, staleAfterMs, busy, empty }: FeatureTableProps) {
  return (
    <DataTable
      label="Features"
      columns={columns(staleAfterMs)}
      rows={rows}
      rowKey={(row) => row.name}
      rowTone={(row) => (row.freshness === "stale" || row.freshness === "never" ? "warning" : undefined)}
      busy={busy}
      empty={empty}
      data-testid="features-table"
    />
  );
}
