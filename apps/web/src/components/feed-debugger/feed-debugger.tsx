"use client";
// The feed debugger: a user id and surface (optionally dry-running the saved draft) → the user's
// history, the funnel stage by stage, the ranked candidates, the final list and why / why not.
// The request lives in the URL (?user=&surface=&draft=1), so a debugging session can be shared.
import { Badge, Button, Card, ErrorState, Skeleton } from "@cascade/ui";
import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";
import { traceOrFallback } from "@/lib/feed-debugger/trace-views.ts";
import { useTRPC } from "@/trpc/react.tsx";
import styles from "./feed-debugger.module.css";
import { FunnelStages } from "./funnel-stages.tsx";
import { HistoryCard } from "./history-card.tsx";
import { RankedCandidates } from "./ranked-candidates.tsx";
import { ServedList } from "./served-list.tsx";
import { SourcesCard } from "./sources-card.tsx";
import { StageTimingChart } from "./stage-timing-chart.tsx";
import { WhyPanel } from "./why-panel.tsx";

export type FeedRequest = { userId: string; surface: string; count: number; useDraft: boolean };

type FeedDebuggerProps = {
  /** Run at once (the URL named a user). */
  initial: FeedRequest | null;
  /** The form's starting values when nothing runs yet (e.g. a link from the Rules page with ?surface=&draft=1). */
  defaults: FeedRequest;
  surfaces: readonly { id: string; name: string; hasDraft: boolean }[];
};

export function FeedDebugger({ initial, defaults, surfaces }: FeedDebuggerProps) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const [form, setForm] = useState<FeedRequest>(initial ?? defaults);
  const [request, setRequest] = useState<FeedRequest | null>(initial);
  const [selected, setSelected] = useState<string | null>(null);
  const preview = useQuery(
    trpc.feedPreview.get.queryOptions(request ?? { userId: "-", surface: "-", count: 1, useDraft: false }, { enabled: request !== null, staleTime: 0, gcTime: 0 }),
  );

  function submit() {
    const next = { ...form, userId: form.userId.trim() };
    if (!next.userId) return;
    setSelected(null);
    const params = new URLSearchParams({ user: next.userId, surface: next.surface, count: String(next.count) });
    if (next.useDraft) params.set("draft", "1");
    router.replace(`${pathname}?${params.toString()}`, { scroll: false });
    if (request && JSON.stringify(request) === JSON.stringify(next)) void preview.refetch();
    else setRequest(next);
  }

  const result = preview.data;
  const trace = result?.ok ? traceOrFallback(result.preview.trace, result.preview.response) : null;
  return (
    <div className={styles.stack}>
      <Card>
        <form
          className={styles.form}
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
        >
          <label className={styles.field}>
            <span className={styles.label}>User id</span>
            <input className={styles.input} name="userId" value={form.userId} onChange={(event) => setForm({ ...form, userId: event.target.value })} placeholder="e.g. u-1" required />
          </label>
          <label className={styles.field}>
            <span className={styles.label}>Surface</span>
            <select className={styles.select} value={form.surface} onChange={(event) => setForm({ ...form, surface: event.target.value })}>
              {surfaces.map((surface) => (
                <option key={surface.id} value={surface.id}>
                  {surface.name} ({surface.id})
                </option>
              ))}
            </select>
          </label>
          <label className={styles.field}>
            <span className={styles.label}>Items</span>
            <input
              className={styles.input}
              type="number"
              min={1}
              max={100}
              value={form.count}
              style={{ width: 80 }}
              onChange={(event) => setForm({ ...form, count: Math.min(100, Math.max(1, Number(event.target.value) || 1)) })}
            />
          </label>
          <label className={styles.checkboxLabel}>
            <input type="checkbox" checked={form.useDraft} onChange={(event) => setForm({ ...form, useDraft: event.target.checked })} />
            Dry-run the saved draft rule set
          </label>
          <Button type="submit" variant="primary" disabled={preview.isFetching}>
            {request ? "Run again" : "Show feed"}
          </Button>
          {preview.isFetching ? <span className={styles.muted}>asking the engine…</span> : null}
        </form>
      </Card>

      {!request ? (
        <p className={styles.muted}>Enter a user id to see their feed with the full funnel trace. Previews are not logged as impressions.</p>
      ) : preview.error ? (
        <ErrorState message={preview.error.message} onRetry={() => void preview.refetch()} />
      ) : !result ? (
        <Skeleton height={320} />
      ) : !result.ok || !trace ? (
        <ErrorState title="The engine could not preview this feed" message={result.ok ? "" : result.message} onRetry={() => void preview.refetch()} />
      ) : (
        <div className={styles.stack} data-testid="feed-preview" data-request-id={result.preview.response.requestId}>
          <div className={styles.form}>
            <Badge tone={result.preview.config.source === "draft" ? "warning" : "neutral"} data-testid="config-source">
              {result.preview.config.source === "draft"
                ? "draft rule set (dry run)"
                : result.preview.config.source === "published"
                  ? `published rule set v${result.preview.config.ruleSetVersion}`
                  : "built-in default rule set"}
            </Badge>
            <Badge>model {result.preview.response.modelVersion ?? "none"}</Badge>
            {result.preview.response.degraded ? <Badge tone="warning">degraded</Badge> : null}
            <span className={styles.muted}>request {result.preview.response.requestId}</span>
          </div>
          {result.preview.trace === null ? (
            <p className={styles.error}>The funnel failed for this request and the engine served its popularity fallback, so there is no stage trace.</p>
          ) : null}
          <ServedList trace={trace} items={result.items} selected={selected} onSelect={setSelected} />
          <WhyPanel trace={trace} items={result.items} selected={selected} />
          <div className={styles.twoColumns}>
            <HistoryCard history={result.preview.history} items={result.items} />
            <StageTimingChart trace={trace} />
          </div>
          <SourcesCard trace={trace} items={result.items} onSelect={setSelected} />
          <FunnelStages trace={trace} items={result.items} onSelect={setSelected} />
          <RankedCandidates trace={trace} items={result.items} selected={selected} onSelect={setSelected} />
        </div>
      )}
    </div>
  );
}
