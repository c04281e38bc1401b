"use client";
// One serving slot (retrieval, item-to-item or ranker) with every version that can fill it, and the slot's
// roll-back action.
import { Button, Card, EmptyState } from "@cascade/ui";
import type { ModelSlot } from "@cascade/db";
import { rolesSentence } from "@/lib/permissions.ts";
import type { ModelVersionRow } from "@/server/services/model-version.ts";
import { ModelVersionTable } from "./model-version-table.tsx";

export const SLOT_LABELS: Record<ModelSlot, string> = { retrieval: "Retrieval", itemToItem: "Item-to-item", ranker: "Ranker" };

const SLOT_DESCRIPTIONS: Record<ModelSlot, string> = {
  retrieval: "Two-tower embeddings and their HNSW index: which items become candidates.",
  itemToItem: "EASE or item kNN weights between items: candidates from what the user already watched or bought.",
  ranker: "Multi-task rankers, trained here or registered as external ONNX models: how candidates are ordered.",
};

const EMPTY_DESCRIPTIONS: Record<ModelSlot, string> = {
  retrieval: "Train one with `cascade train`; it is registered as a candidate.",
  itemToItem: "Train one with `cascade train` (it is trained with the retrieval steps); it is registered as a candidate.",
  ranker: "Train one with `cascade train`, or register an external ONNX ranker below.",
};

export type ModelSlotCardProps = {
  slot: ModelSlot;
  rows: readonly ModelVersionRow[];
  compared: readonly string[];
  onToggleCompare: (id: string) => void;
  canPromote: boolean;
  canRollback: boolean;
  busy: boolean;
  onPromote: (row: ModelVersionRow) => void;
  onRollback: (slot: ModelSlot) => void;
};

export function ModelSlotCard({ slot, rows, compared, onToggleCompare, canPromote, canRollback, busy, onPromote, onRollback }: ModelSlotCardProps) {
  const hasRetired = rows.some((row) => row.status === "retired");
  const rollbackHint = !canRollback
    ? `Rolling back needs ${rolesSentence("model.rollback")}.`
    : hasRetired
      ? "Re-activate the most recently retired version"
      : "No retired version to roll back to";
  return (
    <Card
      title={SLOT_LABELS[slot]}
      description={SLOT_DESCRIPTIONS[slot]}
      flush
      data-testid={`model-slot-${slot}`}
      actions={
        <Button
          size="small"
          onClick={() => onRollback(slot)}
          disabled={!canRollback || !hasRetired || busy}
          title={rollbackHint}
          aria-label={`Roll back ${SLOT_LABELS[slot].toLowerCase()}`}
        >
          Roll back
        </Button>
      }
    >
      <ModelVersionTable
        label={`${SLOT_LABELS[slot]} versions`}
        rows={rows}
        compared={compared}
        onToggleCompare={onToggleCompare}
        canPromote={canPromote}
        busy={busy}
        onPromote={onPromote}
        empty={<EmptyState title={`No ${SLOT_LABELS[slot].toLowerCase()} versions yet`} description={EMPTY_DESCRIPTIONS[slot]} />}
      />
    </Card>
  );
}
