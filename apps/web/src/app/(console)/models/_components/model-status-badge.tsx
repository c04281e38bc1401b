import { Badge, type BadgeTone } from "@cascade/ui";
import type { ModelStatus } from "@cascade/db";

const STATUS_TONES: Record<ModelStatus, BadgeTone> = { active: "success", candidate: "accent", retired: "neutral" };
const STATUS_LABELS: Record<ModelStatus, string> = { active: "Active", candidate: "Candidate", retired: "Retired" };

export function ModelStatusBadge({ status }: { status: ModelStatus }) {
  return (
    <Badge tone={STATUS_TONES[status]} dot={status === "active"} data-status={status} data-testid="model-status">
      {STATUS_LABELS[status]}
    </Badge>
  );
}
