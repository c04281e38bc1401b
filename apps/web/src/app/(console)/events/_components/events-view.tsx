"use client";
// The Events page body. The range and the rejection filter come from the URL; each section has its
// own query, so a slow one (the event log scan) does not hold back the dead letters.
import { Button, ErrorState, PageHeader, SegmentedControl, Skeleton } from "@cascade/ui";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { SectionErrorBoundary } from "@/components/section-error-boundary.tsx";
import { EVENT_RANGE_LABELS, EVENT_RANGES, type EventRange, eventsHref } from "@/lib/event-range.ts";
import { formatUtcDateTimeSeconds } from "@/lib/format-date.ts";
import { useTRPC } from "@/trpc/react.tsx";
import { EventTypeCounts } from "./event-type-counts.tsx";
import { eventsQueryInputs, RECENT_REJECTIONS_MAX, RECENT_REJECTIONS_STEP } from "@/lib/events-query-inputs.ts";
import { IngestRateCard } from "./ingest-rate-card.tsx";
import { IngestStats } from "./ingest-stats.tsx";
import { RecentRejections } from "./recent-rejections.tsx";
import { RejectionReasons } from "./rejection-reasons.tsx";
import { useEventsQuery } from "./use-events-query.ts";
import styles from "./events.module.css";

const RANGE_OPTIONS = EVENT_RANGES.map((range) => ({ value: range, label: EVENT_RANGE_LABELS[range] }));

export function EventsView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { query, navigate } = useEventsQuery();
  // "Show more" rejections lasts until the range or the filter changes.
  const [more, setMore] = useState({ href: eventsHref(query), limit: RECENT_REJECTIONS_STEP });
  const rejectionsLimit = more.href === eventsHref(query) ? more.limit : RECENT_REJECTIONS_STEP;
  const showMoreRejections =
    rejectionsLimit < RECENT_REJECTIONS_MAX
      ? () => setMore({ href: eventsHref(query), limit: Math.min(RECENT_REJECTIONS_MAX, rejectionsLimit + RECENT_REJECTIONS_STEP) })
      : undefined;
  const inputs = eventsQueryInputs(query, rejectionsLimit);
  const ingest = useQuery(trpc.event.ingestRate.queryOptions(inputs.ingestRate, { placeholderData: keepPreviousData }));
  const reasons = useQuery(trpc.event.rejectionReasons.queryOptions(inputs.rejectionReasons, { placeholderData: keepPreviousData }));
  const rejections = useQuery(trpc.event.listRejected.queryOptions(inputs.rejectedEvents, { placeholderData: keepPreviousData }));
  const refreshing = ingest.isFetching || reasons.isFetching || rejections.isFetching;

  function refresh() {
    void queryClient.invalidateQueries({ queryKey: trpc.event.ingestRate.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.event.rejectionReasons.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.event.listRejected.queryKey() });
  }

  const retryable = (title: string, refetch: () => unknown) => (
    <ErrorState
      title={`${title} could not be loaded`}
      message="The console could not query the event log. Check that its database is reachable."
      onRetry={() => void refetch()}
    />
  );

  return (
    <>
      <PageHeader
        title="Events"
        description="What the engine received, when, and what it turned away. Times are when the engine received each event, in UTC."
        aside={
          <div className={styles.headerControls}>
            {ingest.data ? (
              <span className={styles.asOf} data-testid="events-as-of">
                As of {formatUtcDateTimeSeconds(ingest.data.to)}
              </span>
            ) : null}
            <Button size="small" onClick={refresh} disabled={refreshing} aria-label="Refresh">
              <svg width="14" height="14" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.8" aria-hidden="true">
                <path d="M16 10a6 6 0 1 1-1.8-4.3M16 3v4h-4" strokeLinecap="round" strokeLinejoin="round" />
              </svg>
              Refresh
            </Button>
            <SegmentedControl<EventRange>
              label="Time range"
              options={RANGE_OPTIONS}
              value={query.range}
              hrefFor={(range) => eventsHref({ ...query, range })}
              onChange={(range) => navigate({ ...query, range })}
              data-testid="event-range"
            />
          </div>
        }
      />
      <div className={styles.sections}>
        {ingest.data ? (
          <IngestStats data={ingest.data} />
        ) : (
          <div className={styles.stats} aria-hidden="true">
            {Array.from({ length: 4 }, (_, index) => (
              <Skeleton key={index} height={104} />
            ))}
          </div>
        )}
        <SectionErrorBoundary title="Ingest rate">
          <IngestRateCard
            data={ingest.data}
            busy={ingest.isPlaceholderData}
            error={ingest.isError && !ingest.data ? retryable("The ingest rate", ingest.refetch) : null}
          />
        </SectionErrorBoundary>
        <div className={styles.row}>
          <SectionErrorBoundary title="Counts by type">
            <EventTypeCounts
              data={ingest.data}
              busy={ingest.isPlaceholderData}
              error={ingest.isError && !ingest.data ? retryable("Counts by type", ingest.refetch) : null}
            />
          </SectionErrorBoundary>
          <SectionErrorBoundary title="Rejections by reason">
            <RejectionReasons
              data={reasons.data}
              busy={reasons.isPlaceholderData}
              query={query}
              navigate={navigate}
              error={reasons.isError && !reasons.data ? retryable("Rejections", reasons.refetch) : null}
            />
          </SectionErrorBoundary>
        </div>
        <SectionErrorBoundary title="Recent rejections">
          <RecentRejections
            data={rejections.data}
            busy={rejections.isPlaceholderData}
            query={query}
            navigate={navigate}
            onShowMore={showMoreRejections}
            error={rejections.isError && !rejections.data ? retryable("Recent rejections", rejections.refetch) : null}
          />
        </SectionErrorBoundary>
      </div>
    </>
  );
}
