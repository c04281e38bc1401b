"use client";
import { Button, Card, EmptyState, FilterBar, formatInteger, SegmentedControl, Skeleton } from "@cascade/ui";
import type { ReactNode } from "react";
import {
  DEFAULT_FEATURE_LIST_QUERY,
  FEATURE_ENTITIES,
  FEATURE_ENTITY_LABELS,
  type FeatureEntityFilter,
  type FeatureListQuery,
  featureListHref,
} from "@/lib/feature-list-query.ts";
import type { FeatureList } from "@/server/services/feature.ts";
import { FeatureSearch } from "./feature-search.tsx";
import { FeatureTable } from "./feature-table.tsx";
import type { HistoryMode } from "./use-feature-list-query.ts";
import styles from "./features.module.css";

export type FeatureRegistryProps = {
  query: FeatureListQuery;
  navigate: (next: FeatureListQuery, mode?: HistoryMode) => void;
  data: FeatureList | undefined;
  /** Showing the previous filter's rows while the new ones load. */
  busy: boolean;
  error: ReactNode;
};

export function FeatureRegistry({ query, navigate, data, busy, error }: FeatureRegistryProps) {
  const filtered = query.entity !== "all" || query.q !== "";
  const entityOptions = [
    { value: "all" as FeatureEntityFilter, label: "All", count: data?.total },
    ...FEATURE_ENTITIES.map((entity) => ({
      value: entity as FeatureEntityFilter,
      label: FEATURE_ENTITY_LABELS[entity],
      count: data?.byEntity[entity],
    })),
  ];
  const clearFilters = () => navigate(DEFAULT_FEATURE_LIST_QUERY);

  function renderBody() {
    if (data) {
      const empty =
        data.total === 0 ? (
          <EmptyState
            title="No features registered"
            description="The engine writes its feature registry to feature_definitions when it starts. Start the engine (cascade start) against this database."
          />
        ) : (
          <EmptyState
            title="No features match"
            description="No feature of this entity has a name containing the search text."
            action={<Button onClick={clearFilters}>Clear filters</Button>}
          />
        );
      return <FeatureTable rows={data.rows} staleAfterMs={data.staleAfterMs} busy={busy} empty={empty} />;
    }
    if (error) return <div className={styles.padded}>{error}</div>;
    return (
      <div className={styles.skeletonRows} aria-busy="true" aria-label="Loading features">
        {Array.from({ length: 8 }, (_, index) => (
          <Skeleton key={index} height={18} />
        ))}
      </div>
    );
  }

  return (
    <Card
      title="Registry"
      description="Freshness: time since the online store last applied an event to the feature. Coverage: share of sampled entities that have a value rather than the default. Both as the engine last measured them."
      flush
      data-testid="feature-registry"
    >
      <FilterBar
        label="Feature filters"
        summary={
          data ? (
            <p data-testid="features-shown" data-value={data.rows.length}>
              {filtered ? (
                <>
                  <strong>{formatInteger(data.rows.length)}</strong> of {formatInteger(data.total)} features
                </>
              ) : (
                <>
                  <strong>{formatInteger(data.total)}</strong> features
                </>
              )}
            </p>
          ) : null
        }
      >
        <SegmentedControl
          label="Entity"
          options={entityOptions}
          value={query.entity}
          hrefFor={(entity) => featureListHref({ ...query, entity })}
          onChange={(entity) => navigate({ ...query, entity })}
          data-testid="feature-entity-filter"
        />
        <FeatureSearch query={query} navigate={navigate} />
      </FilterBar>
      {renderBody()}
    </Card>
  );
}
