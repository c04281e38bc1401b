"use client";
// One experiment: what it is (variants and their overrides, traffic, layer, QA users, metrics), the
// lifecycle actions the signed-in role may take — start, stop, stop a variant, ship a variant — each
// confirmed in a dialog (the server checks the role again), and its results below.
import type { ExperimentView } from "@cascade/core";
import {
  Badge,
  Button,
  buttonClassName,
  Card,
  DataTable,
  type DataTableColumn,
  Dialog,
  ErrorState,
  Select,
  Skeleton,
  ToastProvider,
  useToast,
} from "@cascade/ui";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { ExperimentStatusBadge } from "@/components/experiments/experiment-status-badge.tsx";
import styles from "@/components/experiments/experiments.module.css";
import { coverageText } from "@/lib/experiments/list-filter.ts";
import { metricLabel } from "@/lib/experiments/results-view.ts";
import { formatUtcDateTime } from "@/lib/format-date.ts";
import type { ConsoleAction } from "@/lib/permissions.ts";
import { useTRPC } from "@/trpc/react.tsx";
import { ExperimentResults } from "./experiment-results.tsx";

type Can = Record<ConsoleAction, boolean>;
type Pending = { type: "start" } | { type: "stop" } | { type: "ship"; variant: string } | { type: "stopVariant"; variant: string } | null;

const date = (value: string | null) => (value ? formatUtcDateTime(new Date(value)) : "–");

function variantColumns(): DataTableColumn<ExperimentView["variants"][number]>[] {
  return [
    {
      id: "key",
      header: "Variant",
      cell: (variant) => (
        <div>
          <strong>{variant.key}</strong> {variant.isControl ? <Badge>control</Badge> : null}
          <div className={styles.muted}>{variant.name}</div>
        </div>
      ),
    },
    { id: "weight", header: "Weight", cell: (variant) => `${Math.round(variant.weight * 1000) / 10} %`, align: "right" },
    {
      id: "overrides",
      header: "Overrides",
      cell: (variant) => <pre className={styles.pre}>{JSON.stringify(variant.overrides ?? {}, null, 2)}</pre>,
    },
    {
      id: "state",
      header: "State",
      cell: (variant) =>
        variant.stoppedAt ? (
          <div data-testid={`variant-stopped-${variant.key}`}>
            <Badge tone="danger">stopped {date(variant.stoppedAt)}</Badge>
            <div className={styles.muted}>{variant.stopReason}</div>
          </div>
        ) : (
          <Badge tone="success">serving</Badge>
        ),
    },
  ];
}

function Facts({ experiment }: { experiment: ExperimentView }) {
  const forced = Object.entries(experiment.forced);
  return (
    <dl className={styles.facts} data-testid="experiment-facts">
      <dt>Key</dt>
      <dd>{experiment.key}</dd>
      <dt>Surface</dt>
      <dd>{experiment.surface}</dd>
      <dt>Status</dt>
      <dd>
        <ExperimentStatusBadge status={experiment.status} /> phase {experiment.phase}
        {experiment.shippedVariant ? ` · shipped ${experiment.shippedVariant}` : ""}
        {experiment.phaseStartedAt ? ` since ${date(experiment.phaseStartedAt)}` : ""}
      </dd>
      <dt>Hypothesis</dt>
      <dd>{experiment.hypothesis || "–"}</dd>
      <dt>Unit · seed</dt>
      <dd>
        {experiment.unit} · {experiment.seed}
      </dd>
      <dt>Traffic</dt>
      <dd data-testid="experiment-coverage">{coverageText(experiment)}</dd>
      <dt>Ramp-up</dt>
      <dd>{experiment.rampUp.length === 0 ? "none" : experiment.rampUp.map((step) => `${step.coverage * 100} % until hour ${step.untilHours}`).join(", ")}</dd>
      <dt>Layer</dt>
      <dd>{experiment.layer ? `${experiment.layer.key} [${experiment.layer.start}, ${experiment.layer.end})` : "none"}</dd>
      <dt>Forced QA users</dt>
      <dd>{forced.length === 0 ? "none" : forced.map(([unit, variant]) => `${unit} → ${variant}`).join(", ")}</dd>
      <dt>Primary metric</dt>
      <dd>{metricLabel(experiment.primaryMetric)}</dd>
      <dt>Guardrails</dt>
      <dd>
        {experiment.guardrails.length === 0
          ? "none"
          : experiment.guardrails
              .map(
                (guardrail) =>
                  `${metricLabel(guardrail.metric)} (${guardrail.direction === "higherIsBetter" ? "higher" : "lower"} is better, tolerates ${
                    guardrail.thresholdKind === "relative" ? `${guardrail.threshold * 100} %` : guardrail.threshold
                  })`,
              )
              .join("; ")}
      </dd>
      <dt>Created · started · stopped</dt>
      <dd>
        {date(experiment.createdAt)} · {date(experiment.startedAt)} · {date(experiment.stoppedAt)}
      </dd>
    </dl>
  );
}

function DetailBody({ id, can }: { id: string; can: Can }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const answer = useQuery(trpc.experiment.get.queryOptions({ id }));
  const [pending, setPending] = useState<Pending>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [shipped, setShipped] = useState<{ variant: string; version: number } | null>(null);
  const [shipChoice, setShipChoice] = useState<string>("");

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.experiment.get.queryKey({ id }) });
    void queryClient.invalidateQueries({ queryKey: trpc.experiment.results.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.experiment.list.pathKey() });
  };
  const settled = (title: string) => ({
    onSuccess: (result: { ok: true } | { ok: false; message: string }) => {
      if (!result.ok) {
        setError(result.message);
        return;
      }
      setPending(null);
      setError(null);
      toast({ tone: "success", title });
      refresh();
    },
    onError: (failure: { message: string }) => setError(failure.message),
  });
  const start = useMutation(trpc.experiment.start.mutationOptions(settled("Experiment started")));
  const stop = useMutation(trpc.experiment.stop.mutationOptions(settled("Experiment stopped")));
  const stopVariant = useMutation(trpc.experiment.stopVariant.mutationOptions(settled("Variant stopped")));
  const ship = useMutation(
    trpc.experiment.ship.mutationOptions({
      onSuccess: (result) => {
        if (!result.ok) {
          setError(result.message);
          return;
        }
        setPending(null);
        setError(null);
        const variant = pending?.type === "ship" ? pending.variant : "";
        setShipped({ variant, version: result.ruleSetVersion });
        toast({ tone: "success", title: `Shipped ${variant}`, message: `Published as rule set v${result.ruleSetVersion} of ${result.experiment.surface}.` });
        refresh();
      },
      onError: (failure) => setError(failure.message),
    }),
  );
  const busy = start.isPending || stop.isPending || stopVariant.isPending || ship.isPending;

  if (answer.error) return <ErrorState message={answer.error.message} onRetry={() => void answer.refetch()} />;
  if (!answer.data) return <Skeleton height={320} />;
  if (!answer.data.ok) return <ErrorState title="The experiment could not be loaded" message={answer.data.message} onRetry={() => void answer.refetch()} />;
  const experiment = answer.data.experiment;
  const runs = can["experiment.run"];
  const edits = can["experiment.edit"];
  const control = experiment.variants.find((variant) => variant.isControl) ?? experiment.variants[0];
  const shipTarget = shipChoice || experiment.variants.find((variant) => !variant.isControl)?.key || control?.key || "";

  function ask(next: Pending) {
    setError(null);
    setReason("");
    setPending(next);
  }
  function confirm() {
    if (!pending) return;
    if (pending.type === "start") start.mutate({ id: experiment.id });
    else if (pending.type === "stop") stop.mutate({ id: experiment.id });
    else if (pending.type === "ship") ship.mutate({ id: experiment.id, variant: pending.variant });
    else stopVariant.mutate({ id: experiment.id, variant: pending.variant, reason });
  }
  const dialog =
    pending?.type === "start"
      ? {
          title: `Start ${experiment.key}?`,
          body: `Engines begin assigning ${experiment.surface} users to ${experiment.variants.map((variant) => variant.key).join(" / ")} within seconds (${coverageText({ ...experiment, status: "running", effectiveCoverage: experiment.rampUp[0]?.coverage ?? experiment.coverage })} of traffic).`,
          action: "Start",
        }
      : pending?.type === "stop"
        ? {
            title: `Stop ${experiment.key}?`,
            body: "Every unit gets the surface's published config again. Results stay readable; a stopped experiment cannot be restarted.",
            action: "Stop",
          }
        : pending?.type === "ship"
          ? {
              title: `Ship ${pending.variant}?`,
              body: `The config variant ${pending.variant} serves becomes the next published rule-set version of ${experiment.surface}, and the experiment stops.`,
              action: "Ship",
            }
          : pending?.type === "stopVariant"
            ? {
                title: `Stop variant ${pending.variant}?`,
                body: `Its units are served the control's config from now on; the reason is written to the audit log and shown here.`,
                action: "Stop variant",
              }
            : null;

  return (
    <div className={styles.stack} data-testid="experiment-detail" data-experiment-id={experiment.id} data-status={experiment.status}>
      <Card
        title={experiment.name || experiment.key}
        actions={
          <div className={styles.row}>
            {edits && (experiment.status === "draft" || experiment.status === "running") ? (
              <Link className={buttonClassName("secondary", "small")} href={`/experiments/${experiment.id}/edit`}>
                Edit
              </Link>
            ) : null}
            {runs && experiment.status === "draft" ? (
              <Button size="small" variant="primary" onClick={() => ask({ type: "start" })}>
                Start experiment
              </Button>
            ) : null}
            {runs && experiment.status === "running" ? (
              <Button size="small" onClick={() => ask({ type: "stop" })}>
                Stop experiment
              </Button>
            ) : null}
            {!runs ? <span className={styles.muted}>Only data scientists and admins run experiments.</span> : null}
          </div>
        }
      >
        <Facts experiment={experiment} />
      </Card>
      {shipped ? (
        <p className={styles.banner} data-testid="ship-message" role="status">
          Shipped {shipped.variant}: published as rule set v{shipped.version} of {experiment.surface}.{" "}
          <Link className={styles.link} href={`/rules?surface=${experiment.surface}`}>
            See it on the Rules page
          </Link>
        </p>
      ) : null}
      <Card
        title="Variants"
        flush
        actions={
          runs && (experiment.status === "running" || experiment.status === "stopped") ? (
            <div className={styles.row}>
              <Select
                label="Variant to ship"
                hideLabel
                value={shipTarget}
                onChange={(event) => setShipChoice(event.target.value)}
                options={experiment.variants.map((variant) => ({ value: variant.key, label: variant.key }))}
              />
              <Button size="small" variant="primary" onClick={() => ask({ type: "ship", variant: shipTarget })}>
                Ship variant
              </Button>
            </div>
          ) : null
        }
      >
        <DataTable label="Variants" columns={variantColumns()} rows={experiment.variants} rowKey={(variant) => variant.key} />
        {runs && experiment.status === "running" ? (
          <div className={styles.row} style={{ padding: "var(--cx-space-3) var(--cx-space-4)" }}>
            {experiment.variants
              .filter((variant) => !variant.isControl && variant !== control && !variant.stoppedAt)
              .map((variant) => (
                <Button key={variant.key} size="small" onClick={() => ask({ type: "stopVariant", variant: variant.key })}>
                  Stop variant {variant.key}
                </Button>
              ))}
          </div>
        ) : null}
      </Card>
      <ExperimentResults experiment={experiment} />
      <Dialog
        open={pending !== null}
        title={dialog?.title ?? ""}
        busy={busy}
        onClose={() => setPending(null)}
        actions={
          <>
            <Button onClick={() => setPending(null)} disabled={busy}>
              Cancel
            </Button>
            <Button variant="primary" onClick={confirm} disabled={busy || (pending?.type === "stopVariant" && reason.trim() === "")} aria-busy={busy}>
              {busy ? "Working…" : dialog?.action}
            </Button>
          </>
        }
      >
        <p>{dialog?.body}</p>
        {pending?.type === "stopVariant" ? (
          <label className={styles.field}>
            <span className={styles.label}>Reason</span>
            <input className={styles.input} value={reason} onChange={(event) => setReason(event.target.value)} />
          </label>
        ) : null}
        {error ? (
          <p className={styles.issues} role="alert" data-testid="action-error">
            {error}
          </p>
        ) : null}
      </Dialog>
    </div>
  );
}

/** `can`: what the signed-in role may do here (lib/permissions.ts); the procedures check it again. */
export function ExperimentDetail({ id, can }: { id: string; can: Can }) {
  return (
    <ToastProvider>
      <DetailBody id={id} can={can} />
    </ToastProvider>
  );
}
