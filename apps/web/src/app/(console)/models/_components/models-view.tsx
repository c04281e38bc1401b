"use client";
// The Models page body: what the engine serves, the versions of each slot with promote / roll back,
// offline metrics of the compared versions, and external-ranker registration.
import { Button, Dialog, ErrorState, Skeleton, ToastProvider, useToast } from "@cascade/ui";
import type { ModelSlot } from "@cascade/db";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { SectionErrorBoundary } from "@/components/section-error-boundary.tsx";
import { slotServingState } from "@/lib/model-serving.ts";
import type { ConsoleAction } from "@/lib/permissions.ts";
import type { ModelServing } from "@/server/api/routers/model.ts";
import type { ModelChange, ModelVersionRow } from "@/server/services/model-version.ts";
import { useTRPC } from "@/trpc/react.tsx";
import { MetricsComparisonCard } from "./metrics-comparison-card.tsx";
import { ModelSlotCard, SLOT_LABELS } from "./model-slot-card.tsx";
import { versionLabel } from "./model-version-table.tsx";
import { RegisterExternalRankerForm } from "./register-external-ranker-form.tsx";
import { ServingCard } from "./serving-card.tsx";
import { useCompareSelection } from "./use-compare-selection.ts";
import styles from "./models.module.css";

const SLOTS: readonly ModelSlot[] = ["ranker", "retrieval", "itemToItem"];
/** While a promotion is not loaded yet, ask the engine often; otherwise now and then. */
const PENDING_POLL_MS = 2_000;
const IDLE_POLL_MS = 15_000;

type PendingChange = { type: "promote"; row: ModelVersionRow } | { type: "rollback"; slot: ModelSlot } | null;

/** The version a roll back would re-activate: the slot's most recently retired one. */
function rollbackTarget(rows: readonly ModelVersionRow[], slot: ModelSlot): ModelVersionRow | null {
  const time = (date: Date | null) => date?.getTime() ?? Number.NEGATIVE_INFINITY;
  const retired = rows.filter((row) => row.slot === slot && row.status === "retired");
  retired.sort((a, b) => time(b.retiredAt) - time(a.retiredAt) || time(b.promotedAt) - time(a.promotedAt));
  return retired[0] ?? null;
}

type Can = Record<ConsoleAction, boolean>;

function ModelsBody({ can }: { can: Can }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const versions = useQuery(trpc.model.list.queryOptions());
  const rows = versions.data?.rows;
  const [pendingChange, setPendingChange] = useState<PendingChange>(null);
  const [changeError, setChangeError] = useState<string | null>(null);
  const { selected, toggle } = useCompareSelection(rows);

  const anyPending = (servingData: ModelServing | undefined) =>
    !!servingData &&
    !!rows &&
    SLOTS.some((slot) => {
      const active = rows.find((row) => row.slot === slot && row.status === "active");
      if (!active || !servingData.reachable) return false;
      return slotServingState(active, { reachable: true, reportsModels: servingData.reportsModels, served: servingData[slot] }).state === "pending";
    });
  const serving = useQuery(
    trpc.model.serving.queryOptions(undefined, {
      refetchInterval: (query) => (anyPending(query.state.data) ? PENDING_POLL_MS : IDLE_POLL_MS),
    }),
  );

  function changed(verb: string, change: ModelChange) {
    setPendingChange(null);
    setChangeError(null);
    toast({
      tone: "success",
      title: `${verb} ${versionLabel(change.active)}`,
      message: change.retired
        ? `${versionLabel(change.retired)} is retired. Engines load the new version in the background.`
        : "Engines load it in the background.",
    });
    void queryClient.invalidateQueries({ queryKey: trpc.model.list.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.model.serving.queryKey() });
  }
  function failed(title: string, error: { message: string }) {
    setChangeError(error.message);
    toast({ tone: "danger", title, message: error.message });
    void queryClient.invalidateQueries({ queryKey: trpc.model.list.queryKey() });
  }

  const promote = useMutation(
    trpc.model.promote.mutationOptions({
      onSuccess: (change) => changed("Promoted", change),
      onError: (error) => failed("Promotion failed", error),
    }),
  );
  const rollback = useMutation(
    trpc.model.rollback.mutationOptions({
      onSuccess: (change) => changed("Rolled back to", change),
      onError: (error) => failed("Roll back failed", error),
    }),
  );
  const busy = promote.isPending || rollback.isPending;

  function ask(change: PendingChange) {
    setChangeError(null);
    setPendingChange(change);
  }

  function confirm() {
    if (pendingChange?.type === "promote") promote.mutate({ id: pendingChange.row.id });
    else if (pendingChange?.type === "rollback") rollback.mutate({ slot: pendingChange.slot });
  }

  const slotActive = (slot: ModelSlot) => rows?.find((row) => row.slot === slot && row.status === "active") ?? null;
  let dialogTitle = "";
  let dialogBody = "";
  if (pendingChange?.type === "promote") {
    const current = slotActive(pendingChange.row.slot);
    dialogTitle = `Promote ${versionLabel(pendingChange.row)}?`;
    dialogBody = `${pendingChange.row.name} becomes the active ${SLOT_LABELS[pendingChange.row.slot].toLowerCase()} model and every engine hot-swaps to it. ${
      current ? `${versionLabel(current)} will be retired (roll back restores it).` : "The slot has no active model yet."
    }`;
  } else if (pendingChange?.type === "rollback" && rows) {
    const target = rollbackTarget(rows, pendingChange.slot);
    const current = slotActive(pendingChange.slot);
    dialogTitle = `Roll back the ${SLOT_LABELS[pendingChange.slot].toLowerCase()}?`;
    dialogBody = `${target ? `${versionLabel(target)} (${target.name}) is re-activated` : "The most recently retired version is re-activated"}${
      current ? ` and ${versionLabel(current)} is retired` : ""
    }. Every engine hot-swaps to it.`;
  }

  return (
    <div className={styles.sections}>
      <SectionErrorBoundary title="Engine">
        <ServingCard serving={serving.data} rows={rows} />
      </SectionErrorBoundary>
      {rows ? (
        SLOTS.map((slot) => (
          <SectionErrorBoundary key={slot} title={SLOT_LABELS[slot]}>
            <ModelSlotCard
              slot={slot}
              rows={rows.filter((row) => row.slot === slot)}
              compared={selected}
              onToggleCompare={toggle}
              canPromote={can["model.promote"]}
              canRollback={can["model.rollback"]}
              busy={busy}
              onPromote={(row) => ask({ type: "promote", row })}
              onRollback={(target) => ask({ type: "rollback", slot: target })}
            />
          </SectionErrorBoundary>
        ))
      ) : versions.isError ? (
        <ErrorState
          title="Model versions could not be loaded"
          message="The console could not read model_versions. Check that its database is reachable."
          onRetry={() => void versions.refetch()}
        />
      ) : (
        <Skeleton height={240} />
      )}
      {rows ? (
        <SectionErrorBoundary title="Offline metrics">
          <MetricsComparisonCard rows={rows} selected={selected} />
        </SectionErrorBoundary>
      ) : null}
      <SectionErrorBoundary title="Register external ranker">
        <RegisterExternalRankerForm canEdit={can["model.register"]} />
      </SectionErrorBoundary>
      <Dialog
        open={pendingChange !== null}
        title={dialogTitle}
        busy={busy}
        onClose={() => setPendingChange(null)}
        actions={
          <>
            <Button onClick={() => setPendingChange(null)} disabled={busy}>
              Cancel
            </Button>
            <Button variant="primary" onClick={confirm} disabled={busy} aria-busy={busy}>
              {busy ? "Working…" : pendingChange?.type === "rollback" ? "Roll back" : "Promote"}
            </Button>
          </>
        }
      >
        <p>{dialogBody}</p>
        {changeError ? (
          <p className={styles.formError} role="alert">
            {changeError}
          </p>
        ) : null}
      </Dialog>
    </div>
  );
}

/** `can`: what the signed-in role may do here (lib/permissions.ts); the procedures check it again. */
export function ModelsView({ can }: { can: Can }) {
  return (
    <ToastProvider>
      <ModelsBody can={can} />
    </ToastProvider>
  );
}
