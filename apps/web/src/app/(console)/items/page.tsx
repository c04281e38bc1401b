import { PageHeader } from "@cascade/ui";
import type { Metadata } from "next";
import { parseItemListQuery } from "@/lib/item-list-query.ts";
import { requireCurrentUser } from "@/server/auth/current-user.ts";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server.tsx";
import { CATEGORY_FILTER_INPUT } from "@/lib/category-filter-input.ts";
import { ItemsBrowser } from "./_components/items-browser.tsx";

export const metadata: Metadata = { title: "Items" };

type ItemsPageProps = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/**
 * Renders the page the URL asks for on the server (prefetched into React Query and handed to
 * the browser), so a shared link shows its rows at once; later pages are fetched in the browser.
 */
export default async function ItemsPage({ searchParams }: ItemsPageProps) {
  await requireCurrentUser();
  const params = await searchParams;
  const query = parseItemListQuery((name) => {
    const value = params[name];
    return Array.isArray(value) ? value[0] : value;
  });
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.item.list.queryOptions(query)),
    queryClient.prefetchQuery(trpc.item.categories.queryOptions(CATEGORY_FILTER_INPUT)),
  ]);

  return (
    <>
      <PageHeader title="Items" description="Everything in the catalogue. Search matches id, title, category and creator, ignoring case." />
      <HydrateClient>
        <ItemsBrowser />
      </HydrateClient>
    </>
  );
}
