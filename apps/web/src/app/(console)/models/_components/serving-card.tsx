"use client";
// What the engine serves right now (its /v1/health), next to what the registry says is active, so a
// promotion the engine has not loaded yet (or refused) is visible.
import { Badge, Card, Skeleton } from "@cascade/ui";
import type { ModelSlot } from "@cascade/db";
import type { ReactNode } from "react";
import { formatUtcDateTime } from "@/lib/format-date.ts";
import { type ActiveModelRef, type ServedModelRef, slotServingState } from "@/lib/model-serving.ts";
import type { ModelServing } from "@/server/api/routers/model.ts";
import type { ModelVersionRow } from "@/server/services/model-version.ts";
import { SLOT_LABELS } from "./model-slot-card.tsx";
import styles from "./models.module.css";

function servedName(served: ServedModelRef): string {
  const version = served.version !== null ? `v${served.version}` : served.id;
  return served.name ? `${version} · ${served.name}` : version;
}

function SlotServing({ slot, active, serving }: { slot: ModelSlot; active: ModelVersionRow | null; serving: ModelServing }) {
  const activeRef: ActiveModelRef | null = active ? { id: active.id, version: active.version, name: active.name } : null;
  const state = slotServingState(
    activeRef,
    serving.reachable ? { reachable: true, reportsModels: serving.reportsModels, served: serving[slot] } : { reachable: false },
  );
  let body: ReactNode;
  switch (state.state) {
    case "unreachable":
      body = <Badge tone="danger">Engine unreachable</Badge>;
      break;
    case "unknown":
      body = <span className={styles.muted}>This engine does not report its loaded models.</span>;
      break;
    case "empty":
      body = <span className={styles.muted}>No model; the engine uses its fallback (popularity).</span>;
      break;
    case "in_sync":
      body = (
        <>
          <Badge tone="success" dot>
            Serving {servedName(state.served)}
          </Badge>
          {state.served.loadedAt ? <span className={styles.subtle}>loaded {formatUtcDateTime(state.served.loadedAt)}</span> : null}
        </>
      );
      break;
    case "pending":
      body = (
        <>
          <Badge tone="warning" dot>
            Promoted v{state.active.version}, not loaded yet
          </Badge>
          <span className={styles.subtle}>{state.served ? `engine still serves ${servedName(state.served)}` : "engine serves no model in this slot yet"}</span>
        </>
      );
      break;
    case "stale":
      body = (
        <Badge tone="warning" dot>
          Serving {servedName(state.served)}; nothing is active
        </Badge>
      );
      break;
  }
  return (
    <div
      className={styles.servingSlot}
      data-testid={`serving-${slot}`}
      data-state={state.state}
      data-served-id={serving.reachable ? (serving[slot]?.id ?? "") : ""}
    >
      <dt>{SLOT_LABELS[slot]}</dt>
      <dd>{body}</dd>
    </div>
  );
}

/** The first start's background training, while it runs or when it failed (done and idle say nothing). */
function TrainingLine({ training }: { training: NonNullable<Extract<ModelServing, { reachable: true }>["training"]> }) {
  if (training.state === "running") {
    const percent = training.progress != null ? ` · ${Math.round(training.progress * 100)}%` : "";
    const eta = training.stepEtaSeconds != null ? ` · about ${Math.ceil(training.stepEtaSeconds)} s left in this step` : "";
    return (
      <p className={styles.subtle} data-testid="engine-training" role="status">
        Training the first models in the background: {training.step ?? "starting"}
        {percent}
        {eta}
      </p>
    );
  }
  if (training.state === "failed") {
    return (
      <p className={styles.formError} data-testid="engine-training" role="alert">
        Background training failed{training.detail ? `: ${training.detail}` : ""}
      </p>
    );
  }
  return null;
}

export type ServingCardProps = {
  serving: ModelServing | undefined;
  rows: readonly ModelVersionRow[] | undefined;
};

export function ServingCard({ serving, rows }: ServingCardProps) {
  const activeOf = (slot: ModelSlot) => rows?.find((row) => row.slot === slot && row.status === "active") ?? null;
  return (
    <Card
      title="Engine"
      description="What the engine reports loaded in /v1/health. A promotion reaches it through a notification and an artifact load; until then the badge says so."
      data-testid="engine-serving"
    >
      {serving && rows ? (
        <>
          <dl className={styles.serving}>
            {(["retrieval", "itemToItem", "ranker"] as const).map((slot) => (
              <SlotServing key={slot} slot={slot} active={activeOf(slot)} serving={serving} />
            ))}
          </dl>
          {!serving.reachable ? (
            <p className={styles.formError} role="alert">
              {serving.message}
            </p>
          ) : serving.lastError ? (
            <p className={styles.formError} role="alert" data-testid="engine-model-error">
              Last model load failed: {serving.lastError}
            </p>
          ) : null}
          {serving.reachable && serving.training ? <TrainingLine training={serving.training} /> : null}
          <p className={styles.subtle}>Checked {formatUtcDateTime(serving.checkedAt)}</p>
        </>
      ) : (
        <Skeleton height={56} />
      )}
    </Card>
  );
}
