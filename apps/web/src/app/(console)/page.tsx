import { PageHeader } from "@cascade/ui";
import type { Metadata } from "next";
import { Suspense } from "react";
import { SectionErrorBoundary } from "@/components/section-error-boundary.tsx";
import { requireCurrentUser } from "@/server/auth/current-user.ts";
import { EventMixCard } from "./_components/event-mix-card.tsx";
import { EventsPerDayCard } from "./_components/events-per-day-card.tsx";
import { CardSkeleton, StatsSkeleton } from "./_components/overview-skeletons.tsx";
import { OverviewStats } from "./_components/overview-stats.tsx";
import styles from "./_components/overview.module.css";
import { TopCategoriesCard } from "./_components/top-categories-card.tsx";

export const metadata: Metadata = { title: "Overview" };

/**
 * Each section streams in on its own (Suspense) and fails on its own (error boundary): the
 * events-per-day aggregation scans the whole event log and should not hold back the counts.
 */
export default async function OverviewPage() {
  // The layout checked too, but layouts are not re-rendered on client navigation; pages are.
  await requireCurrentUser();
  return (
    <>
      <PageHeader title="Overview" description="The catalogue and the event log at a glance. Days and times are UTC." />
      <div className={styles.sections}>
        <SectionErrorBoundary title="Counts">
          <Suspense fallback={<StatsSkeleton />}>
            <OverviewStats />
          </Suspense>
        </SectionErrorBoundary>
        <SectionErrorBoundary title="Events per day">
          <Suspense fallback={<CardSkeleton title="Events per day" height={340} />}>
            <EventsPerDayCard />
          </Suspense>
        </SectionErrorBoundary>
        <div className={styles.row}>
          <SectionErrorBoundary title="Top categories">
            <Suspense fallback={<CardSkeleton title="Top categories" />}>
              <TopCategoriesCard />
            </Suspense>
          </SectionErrorBoundary>
          <SectionErrorBoundary title="Event mix">
            <Suspense fallback={<CardSkeleton title="Event mix" />}>
              <EventMixCard />
            </Suspense>
          </SectionErrorBoundary>
        </div>
      </div>
    </>
  );
}
