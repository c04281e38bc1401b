import { Badge } from "@cascade/ui";

const TONES = { draft: "neutral", running: "success", stopped: "warning" } as const;

/** An experiment's lifecycle status (draft → running → stopped; shipping stops it). */
export function ExperimentStatusBadge({ status }: { status: "draft" | "running" | "stopped" }) {
  return (
    <Badge tone={TONES[status]} dot data-testid="experiment-status" data-status={status}>
      {status}
    </Badge>
  );
}
