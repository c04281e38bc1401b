"use client";
import { Badge, Button, DataTable, type DataTableColumn } from "@cascade/ui";
import type { ReactNode } from "react";
import { formatUtcDate, formatUtcDateTime } from "@/lib/format-date.ts";
import { rolesSentence } from "@/lib/permissions.ts";
import type { ModelVersionRow } from "@/server/services/model-version.ts";
import { ModelStatusBadge } from "./model-status-badge.tsx";
import styles from "./models.module.css";

export const KIND_LABELS: Record<ModelVersionRow["kind"], string> = {
  two_tower: "Two-tower",
  ranker: "Ranker",
  external_ranker: "External ranker",
  item_item: "Item-to-item",
};

/** "ranker v3", "external ranker v1": how a version is named in buttons, toasts and charts. */
export function versionLabel(row: Pick<ModelVersionRow, "kind" | "version">): string {
  return `${KIND_LABELS[row.kind].toLowerCase()} v${row.version}`;
}

/** sha256 hex → first 12 characters (enough to tell versions apart; the full digest is in the tooltip). */
function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

function TrainingWindow({ row }: { row: ModelVersionRow }): ReactNode {
  if (!row.trainingWindowStart && !row.trainingWindowEnd) return <span className={styles.muted}>—</span>;
  const start = row.trainingWindowStart ? formatUtcDate(row.trainingWindowStart) : "…";
  const end = row.trainingWindowEnd ? formatUtcDate(row.trainingWindowEnd) : "…";
  return (
    <span
      title={`${row.trainingWindowStart ? formatUtcDateTime(row.trainingWindowStart) : "?"} → ${row.trainingWindowEnd ? formatUtcDateTime(row.trainingWindowEnd) : "?"}`}
    >
      {start} → {end}
    </span>
  );
}

function FeatureList({ row }: { row: ModelVersionRow }): ReactNode {
  if (row.features.length === 0 && row.outputs.length === 0) return <span className={styles.muted}>—</span>;
  return (
    <details className={styles.featureDetails} data-testid="model-features">
      <summary>
        {row.features.length} feature{row.features.length === 1 ? "" : "s"}
        {row.outputs.length > 0 ? ` → ${row.outputs.length} output${row.outputs.length === 1 ? "" : "s"}` : ""}
      </summary>
      {row.features.length > 0 ? (
        <ol className={styles.featureNames} aria-label="Input features, in column order">
          {row.features.map((name) => (
            <li key={name}>
              <code>{name}</code>
            </li>
          ))}
        </ol>
      ) : null}
      {row.outputs.length > 0 ? (
        <p className={styles.outputs}>
          Outputs:{" "}
          {row.outputs.map((name, index) => (
            <span key={name}>
              {index > 0 ? ", " : ""}
              <code>{name}</code>
            </span>
          ))}
        </p>
      ) : null}
    </details>
  );
}

export type ModelVersionTableProps = {
  /** Accessible name of the table, e.g. "Ranker versions". */
  label: string;
  rows: readonly ModelVersionRow[];
  compared: readonly string[];
  onToggleCompare: (id: string) => void;
  canPromote: boolean;
  onPromote: (row: ModelVersionRow) => void;
  busy: boolean;
  empty: ReactNode;
};

export function ModelVersionTable({ label, rows, compared, onToggleCompare, canPromote, onPromote, busy, empty }: ModelVersionTableProps) {
  const columns: DataTableColumn<ModelVersionRow>[] = [
    {
      id: "compare",
      header: <span className={styles.srOnly}>Compare</span>,
      width: "2.5rem",
      cell: (row) => (
        <input
          type="checkbox"
          className={styles.checkbox}
          checked={compared.includes(row.id)}
          onChange={() => onToggleCompare(row.id)}
          aria-label={`Compare ${versionLabel(row)}`}
        />
      ),
    },
    {
      id: "version",
      header: "Version",
      width: "22%",
      cell: (row) => (
        <>
          <span className={styles.nameLine}>
            <strong className={styles.versionNumber} data-testid="model-version-number">
              v{row.version}
            </strong>
            <span className={styles.modelName} data-testid="model-name">
              {row.name}
            </span>
          </span>
          <span className={styles.kindLine}>
            {row.kind === "external_ranker" ? <Badge tone="warning">External</Badge> : <span className={styles.muted}>{KIND_LABELS[row.kind]}</span>}
          </span>
        </>
      ),
    },
    {
      id: "status",
      header: "Status",
      cell: (row) => (
        <>
          <ModelStatusBadge status={row.status} />
          {row.gate ? (
            <span className={styles.subtle} data-testid="model-gate">
              scheduler: {row.gate.reason}
            </span>
          ) : null}
        </>
      ),
    },
    {
      id: "dates",
      header: "Created · promoted",
      nowrap: true,
      cell: (row) => (
        <>
          <span className={styles.dateLine}>{formatUtcDateTime(row.createdAt)}</span>
          <span className={styles.subtle}>{row.promotedAt ? `promoted ${formatUtcDateTime(row.promotedAt)}` : "never promoted"}</span>
        </>
      ),
    },
    { id: "window", header: "Training window", nowrap: true, cell: (row) => <TrainingWindow row={row} /> },
    { id: "features", header: "Features", cell: (row) => <FeatureList row={row} /> },
    {
      id: "digest",
      header: "Artifact",
      nowrap: true,
      cell: (row) => (
        <code className={styles.digest} title={`artifact ${row.artifactDigest}${row.indexDigest ? `\nindex ${row.indexDigest}` : ""}`}>
          {shortDigest(row.artifactDigest)}
        </code>
      ),
    },
    {
      id: "actions",
      header: <span className={styles.srOnly}>Actions</span>,
      align: "right",
      nowrap: true,
      cell: (row) =>
        row.status === "active" ? null : (
          <Button
            size="small"
            onClick={() => onPromote(row)}
            disabled={!canPromote || busy}
            title={canPromote ? undefined : `Promoting needs ${rolesSentence("model.promote")}.`}
            aria-label={`Promote ${versionLabel(row)}`}
          >
            Promote
          </Button>
        ),
    },
  ];
  return <DataTable label={label} columns={columns} rows={rows} rowKey={(row) => row.id} empty={empty} data-testid="model-versions-table" />;
}
