import { Badge } from "@cascade/ui";

const TONES = { draft: "neutral", running: "success", stopped: "warning", shipped: "accent" } as const;

/** An experiment's lifecycle status (draft → running → stopped, or shipped: a variant's config published). */
export function ExperimentStatusBadge({ status }: { status: keyof typeof TONES }) {
  return (
    <Badge tone={TONES[status]} dot data-testid="experiment-status" data-status={status}>
      {status}
    </Badge>
  );
}
