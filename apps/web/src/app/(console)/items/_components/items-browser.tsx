"use client";
// The Items page body: filters, table and pagination, driven by the URL. While the next page
// loads, React Query keeps showing the previous one (dimmed) instead of flashing a spinner.
import { Button, EmptyState, ErrorState, formatInteger, Pagination, pageCountFor, Skeleton } from "@cascade/ui";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { DEFAULT_ITEM_LIST_QUERY, ITEM_PAGE_SIZES, type ItemPageSize, itemListHref } from "@/lib/item-list-query.ts";
import { useTRPC } from "@/trpc/react.tsx";
import { CATEGORY_FILTER_INPUT } from "@/lib/category-filter-input.ts";
import { ItemFilters } from "./item-filters.tsx";
import { ItemTable } from "./item-table.tsx";
import { useItemListQuery } from "./use-item-list-query.ts";
import styles from "./items.module.css";

export function ItemsBrowser() {
  const trpc = useTRPC();
  const { query, navigate } = useItemListQuery();
  const items = useQuery(trpc.item.list.queryOptions(query, { placeholderData: keepPreviousData }));
  const categories = useQuery(trpc.item.categories.queryOptions(CATEGORY_FILTER_INPUT));

  const categoryNames = (categories.data?.categories.map((category) => category.name) ?? []).sort((a, b) => a.localeCompare(b));
  const filtered = query.q !== "" || query.category !== "" || query.availability !== "all";
  const clearFilters = () => navigate({ ...DEFAULT_ITEM_LIST_QUERY, pageSize: query.pageSize });

  function goToPage(page: number) {
    navigate({ ...query, page });
    window.scrollTo({ top: 0 });
  }

  function renderBody() {
    if (items.data) {
      const { rows, total, page, pageSize } = items.data;
      const lastPage = pageCountFor(total, pageSize);
      const empty =
        total === 0 ? (
          <EmptyState
            title={filtered ? "No items match" : "No items yet"}
            description={
              filtered
                ? "Nothing in the catalogue matches this search and these filters."
                : "Items appear here once they are imported through the engine's API."
            }
            action={filtered ? <Button onClick={clearFilters}>Clear filters</Button> : undefined}
          />
        ) : (
          <EmptyState
            title={`Page ${formatInteger(page)} is past the end`}
            description={`There are ${formatInteger(lastPage)} pages of ${pageSize} items.`}
            action={<Button onClick={() => goToPage(lastPage)}>Go to the last page</Button>}
          />
        );
      return (
        <>
          <ItemTable rows={rows} busy={items.isPlaceholderData} empty={empty} />
          <Pagination
            page={page}
            pageSize={pageSize}
            total={total}
            noun="items"
            hrefForPage={(target) => itemListHref({ ...query, page: target })}
            onNavigate={goToPage}
            pageSizeOptions={ITEM_PAGE_SIZES}
            onPageSizeChange={(size) => navigate({ ...query, pageSize: size as ItemPageSize, page: 1 })}
          />
        </>
      );
    }
    if (items.isError) {
      return (
        <ErrorState
          title="Items could not be loaded"
          message="The console could not query the catalogue. Check that its database is reachable."
          onRetry={() => void items.refetch()}
        />
      );
    }
    return (
      <div className={styles.skeletonRows} aria-busy="true" aria-label="Loading items">
        {Array.from({ length: 8 }, (_, index) => (
          <Skeleton key={index} height={18} />
        ))}
      </div>
    );
  }

  return (
    <section className={styles.panel} aria-label="Catalogue">
      <ItemFilters
        query={query}
        categories={categoryNames}
        navigate={navigate}
        summary={
          items.data ? (
            <p data-testid="items-total" data-value={items.data.total}>
              <strong>{formatInteger(items.data.total)}</strong> {filtered ? "matching items" : "items"}
            </p>
          ) : null
        }
      />
      {renderBody()}
    </section>
  );
}
