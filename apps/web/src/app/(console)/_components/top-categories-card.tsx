import { BarChart, Card, EmptyState, formatInteger } from "@cascade/ui";
import { loadTopCategories, TOP_CATEGORY_COUNT } from "./overview-data.ts";

/** The largest categories of the catalogue. */
export async function TopCategoriesCard() {
  const { categories, totalCategories } = await loadTopCategories();
  const description =
    totalCategories > TOP_CATEGORY_COUNT
      ? `The ${TOP_CATEGORY_COUNT} largest of ${formatInteger(totalCategories)} categories, by number of items.`
      : "Categories by number of items.";
  return (
    <Card title="Top categories" description={description}>
      {categories.length === 0 ? (
        <EmptyState title="No items yet" description="Items appear once they are imported through the engine's API." />
      ) : (
        <BarChart
          data={categories.map((category) => ({
            category: category.name,
            available: category.availableItems,
            unavailable: category.items - category.availableItems,
          }))}
          categoryKey="category"
          series={[
            { key: "available", label: "Available", color: "#4f46e5" },
            { key: "unavailable", label: "Unavailable", color: "#c7d2fe" },
          ]}
          stacked
          label="Items per category"
          data-testid="top-categories-chart"
        />
      )}
    </Card>
  );
}
