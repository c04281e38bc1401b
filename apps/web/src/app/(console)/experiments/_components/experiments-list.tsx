"use client";
// The experiments list: status, surface, phase, coverage (and where a ramp-up is now), variants with
// their weights, and dates; filtered by status and surface through the URL.
import { Badge, buttonClassName, Card, DataTable, type DataTableColumn, EmptyState, ErrorState, FilterBar, Select } from "@cascade/ui";
import type { ExperimentView } from "@cascade/core";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { ExperimentStatusBadge } from "@/components/experiments/experiment-status-badge.tsx";
import styles from "@/components/experiments/experiments.module.css";
import {
  coverageText,
  EXPERIMENT_STATUSES,
  type ExperimentListFilter,
  experimentListInput,
  experimentListSearch,
  type ExperimentStatusName,
} from "@/lib/experiments/list-filter.ts";
import { formatUtcDateTime } from "@/lib/format-date.ts";
import { useTRPC } from "@/trpc/react.tsx";

type ExperimentsListProps = {
  filter: ExperimentListFilter;
  surfaces: readonly { id: string; name: string }[];
  canEdit: boolean;
};

const date = (value: string | null) => (value ? formatUtcDateTime(new Date(value)) : "–");

const columns: DataTableColumn<ExperimentView>[] = [
  {
    id: "experiment",
    header: "Experiment",
    width: "16rem",
    cell: (experiment) => (
      <div>
        <Link className={styles.link} href={`/experiments/${experiment.id}`}>
          {experiment.name || experiment.key}
        </Link>
        <div className={styles.muted}>{experiment.key}</div>
      </div>
    ),
  },
  { id: "status", header: "Status", cell: (experiment) => <ExperimentStatusBadge status={experiment.status} />, nowrap: true },
  { id: "surface", header: "Surface", cell: (experiment) => experiment.surface, nowrap: true },
  { id: "phase", header: "Phase", cell: (experiment) => experiment.phase, align: "right" },
  { id: "coverage", header: "Traffic", cell: (experiment) => coverageText(experiment) },
  {
    id: "variants",
    header: "Variants",
    cell: (experiment) => (
      <div className={styles.row}>
        {experiment.variants.map((variant) => (
          <Badge key={variant.key} tone={variant.stoppedAt ? "danger" : variant.isControl ? "neutral" : "accent"} title={variant.stopReason ?? undefined}>
            {variant.key} {Math.round(variant.weight * 1000) / 10} %{variant.stoppedAt ? " (stopped)" : ""}
          </Badge>
        ))}
      </div>
    ),
  },
  { id: "created", header: "Created", cell: (experiment) => date(experiment.createdAt), nowrap: true },
  {
    id: "ran",
    header: "Started · stopped",
    cell: (experiment) => (
      <div>
        <div>{date(experiment.startedAt)}</div>
        <div className={styles.muted}>{experiment.stoppedAt ? date(experiment.stoppedAt) : experiment.startedAt ? "running" : ""}</div>
      </div>
    ),
    nowrap: true,
  },
];

export function ExperimentsList({ filter, surfaces, canEdit }: ExperimentsListProps) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const list = useQuery(trpc.experiment.list.queryOptions(experimentListInput(filter)));
  const go = (next: ExperimentListFilter) => router.replace(`${pathname}${experimentListSearch(next)}`, { scroll: false });
  const answer = list.data;
  return (
    <Card
      title="All experiments"
      flush
      actions={
        canEdit ? (
          <Link className={buttonClassName("primary", "small")} href="/experiments/new">
            New experiment
          </Link>
        ) : (
          <span className={styles.muted}>Only data scientists and admins create experiments.</span>
        )
      }
    >
      <FilterBar label="Experiment filters" summary={answer?.ok ? `${answer.experiments.length} experiments` : undefined}>
        <Select
          label="Status"
          value={filter.status ?? ""}
          onChange={(event) => go({ ...filter, status: (event.target.value || null) as ExperimentStatusName | null })}
          options={[{ value: "", label: "All statuses" }, ...EXPERIMENT_STATUSES.map((status) => ({ value: status, label: status }))]}
        />
        <Select
          label="Surface"
          value={filter.surface ?? ""}
          onChange={(event) => go({ ...filter, surface: event.target.value || null })}
          options={[{ value: "", label: "All surfaces" }, ...surfaces.map((surface) => ({ value: surface.id, label: `${surface.name} (${surface.id})` }))]}
        />
      </FilterBar>
      {list.error ? (
        <ErrorState message={list.error.message} onRetry={() => void list.refetch()} />
      ) : answer && !answer.ok ? (
        <ErrorState title="The engine could not list experiments" message={answer.message} onRetry={() => void list.refetch()} />
      ) : (
        <DataTable
          label="Experiments"
          data-testid="experiments-table"
          columns={columns}
          rows={answer?.ok ? answer.experiments : []}
          rowKey={(experiment) => experiment.id}
          busy={list.isFetching}
          empty={
            <EmptyState
              title={filter.status || filter.surface ? "No experiments match these filters" : "No experiments yet"}
              description={canEdit ? "Create one to compare a surface's config against a variant." : undefined}
            />
          }
        />
      )}
    </Card>
  );
}
