// "Compare with now": the feed as it would have been served at T beside the feed served now, each
// labelled with the business time the engine ran it at; items served in only one list are marked.
import { Badge, Card, ErrorState, Skeleton } from "@cascade/ui";
import { formatBusinessTime } from "@/lib/feed-debugger/as-of.ts";
import { compareFeeds, describeMove, type ComparedRow } from "@/lib/feed-debugger/feed-comparison.ts";
import type { ItemSummary } from "@/server/services/feed-preview.ts";
import styles from "./feed-debugger.module.css";
import { ItemLabel } from "./item-label.tsx";

type Served = readonly { itemId: string; position: number }[];

/** The "now" run: still asking, failed, or served (businessMs null: no trace, so the engine's clock is all we know). */
export type NowRun =
  { state: "loading" } | { state: "failed"; message: string; onRetry: () => void } | { state: "served"; businessMs: number | null; served: Served };

type FeedComparisonProps = {
  asOfMs: number;
  asOfServed: Served;
  now: NowRun;
  items: Readonly<Record<string, ItemSummary>>;
  selected: string | null;
  onSelect: (itemId: string) => void;
};

export function FeedComparison({ asOfMs, asOfServed, now, items, selected, onSelect }: FeedComparisonProps) {
  const asOfLabel = `As of ${formatBusinessTime(asOfMs)}`;
  const nowLabel = now.state === "served" && now.businessMs !== null ? `Now · ${formatBusinessTime(now.businessMs)}` : "Now";
  const comparison = now.state === "served" ? compareFeeds(asOfServed, now.served) : null;
  return (
    <Card
      title="As of T, beside now"
      description="The same user, surface and rule set at two business times. Items served in only one of the two lists are marked. Click an item: why (as of T)?"
      data-testid="feed-comparison"
    >
      {comparison ? (
        <p className={`${styles.muted} ${styles.comparisonSummary}`} data-testid="comparison-summary">
          {comparison.shared} of {asOfServed.length} items as of T are also served now; {asOfServed.length - comparison.shared} only as of T,{" "}
          {now.state === "served" ? now.served.length - comparison.shared : 0} only now.
        </p>
      ) : null}
      <div className={styles.twoColumns}>
        <ComparedList
          kind="as-of"
          label={asOfLabel}
          businessMs={asOfMs}
          rows={comparison?.asOf ?? asOfServed.map((item) => ({ itemId: item.itemId, position: item.position, otherPosition: null }))}
          compared={comparison !== null}
          onlyHere="only as of T"
          otherLabel="now"
          items={items}
          selected={selected}
          onSelect={onSelect}
        />
        {now.state === "loading" ? (
          <section className={styles.comparedList} aria-label="Now">
            <h3 className={styles.listHeading}>Now</h3>
            <Skeleton height={240} />
          </section>
        ) : now.state === "failed" ? (
          <section className={styles.comparedList} aria-label="Now">
            <h3 className={styles.listHeading}>Now</h3>
            <ErrorState title="The engine could not preview the feed now" message={now.message} onRetry={now.onRetry} />
          </section>
        ) : (
          <ComparedList
            kind="now"
            label={nowLabel}
            businessMs={now.businessMs}
            rows={comparison?.now ?? []}
            compared
            onlyHere="only now"
            otherLabel="as of T"
            items={items}
            selected={selected}
            onSelect={onSelect}
          />
        )}
      </div>
    </Card>
  );
}

type ComparedListProps = {
  kind: "as-of" | "now";
  label: string;
  businessMs: number | null;
  rows: readonly ComparedRow[];
  /** False while the other list is still loading: no row is marked yet. */
  compared: boolean;
  onlyHere: string;
  otherLabel: string;
  items: Readonly<Record<string, ItemSummary>>;
  selected: string | null;
  onSelect: (itemId: string) => void;
};

function ComparedList({ kind, label, businessMs, rows, compared, onlyHere, otherLabel, items, selected, onSelect }: ComparedListProps) {
  return (
    <section
      className={styles.comparedList}
      aria-label={label}
      data-testid="compared-list"
      data-list={kind}
      data-business-time={businessMs === null ? undefined : new Date(businessMs).toISOString()}
    >
      <h3 className={styles.listHeading} data-testid="compared-list-label">
        {label}
      </h3>
      {businessMs === null ? (
        <p className={styles.muted}>
          The funnel failed and the engine served its fallback, so its business time is not in the answer: the engine&apos;s clock.
        </p>
      ) : null}
      {rows.length === 0 ? (
        <p className={styles.muted}>Nothing was served.</p>
      ) : (
        <table className={styles.table}>
          <thead>
            <tr>
              <th className={styles.numeric}>#</th>
              <th>Item</th>
              <th>Category</th>
              <th>{kind === "as-of" ? "Now" : "As of T"}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const only = compared && row.otherPosition === null;
              return (
                <tr
                  key={row.itemId}
                  data-testid="compared-item"
                  data-item-id={row.itemId}
                  data-only={only ? "true" : "false"}
                  className={`${styles.clickable} ${only ? (kind === "as-of" ? styles.onlyAsOfRow : styles.onlyNowRow) : ""} ${row.itemId === selected ? styles.selectedRow : ""}`}
                  onClick={() => onSelect(row.itemId)}
                >
                  <td className={styles.numeric}>{row.position + 1}</td>
                  <td>
                    <ItemLabel itemId={row.itemId} items={items} />
                  </td>
                  <td>{items[row.itemId]?.category ?? "—"}</td>
                  <td className={styles.nowrap}>
                    {!compared ? (
                      <span className={styles.muted}>…</span>
                    ) : only ? (
                      <Badge tone={kind === "as-of" ? "warning" : "accent"} data-testid="only-marker">
                        {onlyHere}
                      </Badge>
                    ) : (
                      <span className={styles.muted}>{describeMove(row, otherLabel)}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
