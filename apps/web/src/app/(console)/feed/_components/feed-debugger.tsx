"use client";
// The feed debugger: a user id and surface (optionally dry-running the saved draft) → the user's
// history, the funnel stage by stage, the ranked candidates, the final list and why / why not.
// "As of" runs it at a past business time T (the feed as it would have been served then); with
// "Compare with now" the served lists at T and now sit side by side while everything else shows T.
// The request lives in the URL (?user=&surface=&count=&draft=1&asOf=&compare=0), so a debugging
// session can be shared.
import { Badge, Button, Card, ErrorState, Select, Skeleton } from "@cascade/ui";
import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";
import { asOfSchema, formatBusinessTime, isoToUtcInput, utcInputToIso } from "@/lib/feed-debugger/as-of.ts";
import type { FeedPreviewInput } from "@/lib/feed-debugger/feed-preview-input.ts";
import { traceOrFallback } from "@/lib/feed-debugger/trace-views.ts";
import { useTRPC } from "@/trpc/react.tsx";
import { FeedComparison, type NowRun } from "./feed-comparison.tsx";
import styles from "./feed-debugger.module.css";
import { FunnelStages } from "./funnel-stages.tsx";
import { HistoryCard } from "./history-card.tsx";
import { RankedCandidates } from "./ranked-candidates.tsx";
import { ServedList } from "./served-list.tsx";
import { SourcesCard } from "./sources-card.tsx";
import { StageTimingChart } from "./stage-timing-chart.tsx";
import { WhyPanel } from "./why-panel.tsx";

export type FeedRequest = {
  userId: string;
  surface: string;
  count: number;
  useDraft: boolean;
  /** Business time T as an ISO instant (validated); null: the engine's clock. */
  asOf: string | null;
  /** With an as-of time: also run the feed now and show both served lists side by side. */
  compare: boolean;
  /** Preview under this variant of a running experiment (by experiment key); null: what the user is served. */
  variant: { experiment: string; variant: string } | null;
};

/** The form holds the picker's text (a datetime-local value in UTC) until it is submitted and validated. */
type FeedForm = Omit<FeedRequest, "asOf"> & { asOfInput: string };

type FeedDebuggerProps = {
  /** Run at once (the URL named a user). */
  initial: FeedRequest | null;
  /** The form's starting values when nothing runs yet (e.g. a link from the Rules page with ?surface=&draft=1). */
  defaults: FeedRequest;
  surfaces: readonly { id: string; name: string; hasDraft: boolean }[];
  /** Why the URL's ?asOf= was refused (nothing runs until the form is submitted again). */
  asOfProblem?: string | null;
};

const IDLE_INPUT: FeedPreviewInput = { userId: "-", surface: "-", count: 1, useDraft: false };

function previewInput(request: FeedRequest, asOf: string | null): FeedPreviewInput {
  return {
    userId: request.userId,
    surface: request.surface,
    count: request.count,
    useDraft: request.useDraft,
    ...(asOf === null ? {} : { asOf }),
    ...(request.variant ? { variant: request.variant } : {}),
  };
}

const variantValue = (variant: FeedRequest["variant"]) => (variant ? `${variant.experiment}:${variant.variant}` : "");

export function FeedDebugger({ initial, defaults, surfaces, asOfProblem = null }: FeedDebuggerProps) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const start = initial ?? defaults;
  const [form, setForm] = useState<FeedForm>({ ...start, asOfInput: isoToUtcInput(start.asOf) });
  const [asOfError, setAsOfError] = useState<string | null>(asOfProblem);
  const [request, setRequest] = useState<FeedRequest | null>(initial);
  const [selected, setSelected] = useState<string | null>(null);
  const comparing = request !== null && request.asOf !== null && request.compare;
  const preview = useQuery(
    trpc.feed.preview.queryOptions(request ? previewInput(request, request.asOf) : IDLE_INPUT, { enabled: request !== null, staleTime: 0, gcTime: 0 }),
  );
  // The variant picker offers the running experiments on the chosen surface.
  const running = useQuery(trpc.experiment.list.queryOptions({ surface: form.surface, status: "running" }));
  const variantOptions = running.data?.ok
    ? running.data.experiments.flatMap((experiment) =>
        experiment.variants.map((variant) => ({
          value: `${experiment.key}:${variant.key}`,
          label: `${experiment.name || experiment.key}: ${variant.key}${variant.isControl ? " (control)" : ""}`,
        })),
      )
    : [];
  const nowPreview = useQuery(
    trpc.feed.preview.queryOptions(request ? previewInput(request, null) : IDLE_INPUT, { enabled: comparing, staleTime: 0, gcTime: 0 }),
  );

  function submit() {
    const userId = form.userId.trim();
    if (!userId) return;
    const typed = utcInputToIso(form.asOfInput);
    const parsedAsOf = typed === null ? null : asOfSchema.safeParse(typed);
    if (parsedAsOf && !parsedAsOf.success) {
      setAsOfError(parsedAsOf.error.issues[0]?.message ?? "asOf (As of) is not a valid date and time");
      return;
    }
    setAsOfError(null);
    const next: FeedRequest = {
      userId,
      surface: form.surface,
      count: form.count,
      useDraft: form.useDraft,
      asOf: parsedAsOf?.data ?? null,
      compare: form.compare,
      variant: form.variant,
    };
    setSelected(null);
    const params = new URLSearchParams({ user: next.userId, surface: next.surface, count: String(next.count) });
    if (next.useDraft) params.set("draft", "1");
    if (next.variant) params.set("variant", variantValue(next.variant));
    if (next.asOf !== null) {
      params.set("asOf", next.asOf);
      if (!next.compare) params.set("compare", "0");
    }
    router.replace(`${pathname}?${params.toString()}`, { scroll: false });
    if (request && JSON.stringify(request) === JSON.stringify(next)) {
      void preview.refetch();
      if (comparing) void nowPreview.refetch();
    } else setRequest(next);
  }

  const fetching = preview.isFetching || (comparing && nowPreview.isFetching);
  const result = preview.data;
  const trace = result?.ok ? traceOrFallback(result.preview.trace, result.preview.response) : null;
  const requestedAsOfMs = request?.asOf ? Date.parse(request.asOf) : null;
  // The business time the engine ran at: the trace's, else (funnel failed) the requested T, else unknown (its clock).
  const businessMs = result?.ok ? (result.preview.trace?.nowMs ?? requestedAsOfMs) : null;
  const nowResult = nowPreview.data;
  const nowRun: NowRun = nowPreview.error
    ? { state: "failed", message: nowPreview.error.message, onRetry: () => void nowPreview.refetch() }
    : !nowResult
      ? { state: "loading" }
      : !nowResult.ok
        ? { state: "failed", message: nowResult.message, onRetry: () => void nowPreview.refetch() }
        : { state: "served", businessMs: nowResult.preview.trace?.nowMs ?? null, served: nowResult.preview.response.items };
  // Catalogue facts are today's for both runs; the as-of run's win where both describe an item.
  const items = result?.ok ? (nowResult?.ok ? { ...nowResult.items, ...result.items } : result.items) : {};
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
            <input
              className={styles.input}
              name="userId"
              value={form.userId}
              onChange={(event) => setForm({ ...form, userId: event.target.value })}
              placeholder="e.g. u-1"
              required
            />
          </label>
          <Select
            label="Surface"
            value={form.surface}
            onChange={(event) => setForm({ ...form, surface: event.target.value, variant: null })}
            options={surfaces.map((surface) => ({ value: surface.id, label: `${surface.name} (${surface.id})` }))}
          />
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
          <label className={styles.field}>
            <span className={styles.label}>As of (UTC)</span>
            <input
              className={styles.input}
              type="datetime-local"
              name="asOf"
              step={1}
              value={form.asOfInput}
              aria-invalid={asOfError !== null}
              aria-describedby={asOfError !== null ? "feed-as-of-error" : undefined}
              title="Business time T: the feed as it would have been served then. Empty: now."
              onChange={(event) => {
                setAsOfError(null);
                setForm({ ...form, asOfInput: event.target.value });
              }}
            />
          </label>
          {form.asOfInput !== "" ? (
            <Button
              size="small"
              variant="ghost"
              onClick={() => {
                setAsOfError(null);
                setForm({ ...form, asOfInput: "" });
              }}
            >
              Now
            </Button>
          ) : null}
          <label className={styles.checkboxLabel}>
            <input
              type="checkbox"
              checked={form.compare && form.asOfInput !== ""}
              disabled={form.asOfInput === ""}
              onChange={(event) => setForm({ ...form, compare: event.target.checked })}
            />
            Compare with now
          </label>
          <label className={styles.checkboxLabel}>
            <input
              type="checkbox"
              checked={form.useDraft}
              onChange={(event) => setForm({ ...form, useDraft: event.target.checked, ...(event.target.checked ? { variant: null } : {}) })}
            />
            Dry-run the saved draft rule set
          </label>
          <Select
            label="Experiment variant"
            value={variantValue(form.variant)}
            onChange={(event) => {
              const [experiment, variant] = event.target.value.split(":");
              setForm({ ...form, variant: experiment && variant ? { experiment, variant } : null, ...(experiment && variant ? { useDraft: false } : {}) });
            }}
            options={[
              { value: "", label: variantOptions.length === 0 ? "No running experiment on this surface" : "As assigned (no override)" },
              ...variantOptions,
              // A variant named in the URL stays selectable even when the list has not loaded (or it stopped since).
              ...(form.variant && !variantOptions.some((option) => option.value === variantValue(form.variant))
                ? [{ value: variantValue(form.variant), label: `${form.variant.experiment}: ${form.variant.variant}` }]
                : []),
            ]}
          />
          <Button type="submit" variant="primary" disabled={fetching}>
            {request ? "Run again" : "Show feed"}
          </Button>
          {fetching ? <span className={styles.muted}>asking the engine…</span> : null}
          {asOfError !== null ? (
            <p className={styles.fieldError} id="feed-as-of-error" role="alert" data-testid="as-of-error">
              {asOfError}
            </p>
          ) : null}
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
            <Badge
              tone={result.preview.config.source === "draft" || result.preview.config.source === "variant" ? "warning" : "neutral"}
              data-testid="config-source"
            >
              {result.preview.config.source === "draft"
                ? "draft rule set (dry run)"
                : result.preview.config.source === "variant"
                  ? `variant ${request?.variant?.variant ?? result.preview.response.variant ?? ""} of ${request?.variant?.experiment ?? result.preview.response.experiment ?? "an experiment"}`
                  : result.preview.config.source === "published"
                    ? `published rule set v${result.preview.config.ruleSetVersion}`
                    : "built-in default rule set"}
            </Badge>
            <Badge>model {result.preview.response.modelVersion ?? "none"}</Badge>
            {businessMs !== null ? (
              <Badge tone={request?.asOf ? "accent" : "neutral"} data-testid="business-time" data-business-time={new Date(businessMs).toISOString()}>
                {request?.asOf ? "as of" : "business time"} {formatBusinessTime(businessMs)}
              </Badge>
            ) : null}
            {result.preview.pointInTime ? (
              <Badge
                tone={result.preview.pointInTime.mode === "replay" ? "accent" : "warning"}
                data-testid="point-in-time"
                title={result.preview.pointInTime.note}
              >
                {result.preview.pointInTime.mode === "replay" ? "replayed at T" : "live stack at T"}
              </Badge>
            ) : null}
            {result.preview.response.degraded ? <Badge tone="warning">degraded</Badge> : null}
            <span className={styles.muted}>request {result.preview.response.requestId}</span>
          </div>
          {result.preview.pointInTime ? (
            <p className={styles.muted} data-testid="point-in-time-note">
              {result.preview.pointInTime.note}
            </p>
          ) : null}
          {result.preview.trace === null ? (
            <p className={styles.error}>The funnel failed for this request and the engine served its popularity fallback, so there is no stage trace.</p>
          ) : null}
          {requestedAsOfMs !== null && result.preview.trace !== null && result.preview.trace.nowMs !== requestedAsOfMs ? (
            <p className={styles.error} data-testid="as-of-ignored">
              Asked for {formatBusinessTime(requestedAsOfMs)} but the engine ran at {formatBusinessTime(result.preview.trace.nowMs)}: it may predate feed
              previews as of a time.
            </p>
          ) : null}
          {comparing && requestedAsOfMs !== null ? (
            <FeedComparison
              asOfMs={businessMs ?? requestedAsOfMs}
              asOfServed={result.preview.response.items}
              now={nowRun}
              items={items}
              selected={selected}
              onSelect={setSelected}
            />
          ) : null}
          <ServedList
            trace={trace}
            items={items}
            selected={selected}
            onSelect={setSelected}
            caption={requestedAsOfMs !== null && businessMs !== null ? `as of ${formatBusinessTime(businessMs)}` : undefined}
          />
          <WhyPanel trace={trace} items={items} selected={selected} />
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
