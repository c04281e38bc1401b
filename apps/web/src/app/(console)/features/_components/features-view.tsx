"use client";
// The Features page body: headline numbers, the registry (filters in the URL) and the latest skew
// report. Both queries were prefetched by the server page for the URL being shown.
import { ErrorState, Skeleton } from "@cascade/ui";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { SectionErrorBoundary } from "@/components/section-error-boundary.tsx";
import { useTRPC } from "@/trpc/react.tsx";
import { FeatureRegistry } from "./feature-registry.tsx";
import { FeatureStats } from "./feature-stats.tsx";
import { SkewReportCard } from "./skew-report-card.tsx";
import { LATEST_SKEW_REPORT_INPUT } from "@/lib/skew-report-input.ts";
import { useFeatureListQuery } from "./use-feature-list-query.ts";
import styles from "./features.module.css";

export function FeaturesView() {
  const trpc = useTRPC();
  const { query, navigate } = useFeatureListQuery();
  const features = useQuery(trpc.feature.list.queryOptions(query, { placeholderData: keepPreviousData }));
  const skewReport = useQuery(trpc.feature.skewReport.queryOptions(LATEST_SKEW_REPORT_INPUT));

  return (
    <div className={styles.sections}>
      {features.data ? (
        <FeatureStats features={features.data} skewReport={skewReport.data} />
      ) : (
        <div className={styles.stats} aria-hidden="true">
          {Array.from({ length: 4 }, (_, index) => (
            <Skeleton key={index} height={104} />
          ))}
        </div>
      )}
      <SectionErrorBoundary title="Registry">
        <FeatureRegistry
          query={query}
          navigate={navigate}
          data={features.data}
          busy={features.isPlaceholderData}
          error={
            features.isError && !features.data ? (
              <ErrorState
                title="The registry could not be loaded"
                message="The console could not read feature_definitions. Check that its database is reachable."
                onRetry={() => void features.refetch()}
              />
            ) : null
          }
        />
      </SectionErrorBoundary>
      <SectionErrorBoundary title="Train/serve skew">
        <SkewReportCard
          report={skewReport.data}
          loading={skewReport.isPending}
          error={
            skewReport.isError ? (
              <ErrorState
                title="The skew report could not be loaded"
                message="The console could not read skew_reports. Check that its database is reachable."
                onRetry={() => void skewReport.refetch()}
              />
            ) : null
          }
        />
      </SectionErrorBoundary>
    </div>
  );
}
