import { EmptyState, PageHeader } from "@cascade/ui";
import type { Metadata } from "next";
import { FeedDebugger, type FeedRequest } from "./_components/feed-debugger.tsx";
import { asOfSchema } from "@/lib/feed-debugger/as-of.ts";
import { parseVariantParam } from "@/lib/feed-debugger/feed-preview-input.ts";
import { can, rolesSentence } from "@/lib/permissions.ts";
import { requireCurrentUser } from "@/server/auth/current-user.ts";
import { getServerCaller } from "@/trpc/server.tsx";

export const metadata: Metadata = { title: "Feed debugger" };

type FeedPageProps = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * A user's feed on a surface with the engine's full trace; ?user=&surface=&count=&draft=1 pre-fills
 * and runs it, ?asOf=<ISO instant> runs it at that business time (beside now unless &compare=0),
 * ?variant=<experiment key>:<variant key> under a running experiment's variant.
 */
export default async function FeedDebuggerPage({ searchParams }: FeedPageProps) {
  const user = await requireCurrentUser();
  const header = (
    <PageHeader
      title="Feed debugger"
      description="Any user's feed, stage by stage: which source found each item, what the filters removed and why, the ranker's predictions, what each rule did, exploration propensities and time per stage."
    />
  );
  if (!can(user.role, "feed.preview")) {
    return (
      <>
        {header}
        <EmptyState title="Not available for your role" description={`The debugger shows users' histories; it needs ${rolesSentence("feed.preview")}.`} />
      </>
    );
  }
  const params = await searchParams;
  const { surfaces } = await (await getServerCaller()).ruleSet.list();
  const userId = first(params.user)?.trim() ?? "";
  const surface = first(params.surface);
  const count = Number(first(params.count) ?? 20);
  const asOfParam = first(params.asOf)?.trim() ?? "";
  const asOf = asOfParam === "" ? null : asOfSchema.safeParse(asOfParam);
  const defaults: FeedRequest = {
    userId,
    surface: surfaces.some((entry) => entry.id === surface) ? surface! : (surfaces[0]?.id ?? "home"),
    count: Number.isInteger(count) && count >= 1 && count <= 100 ? count : 20,
    useDraft: first(params.draft) === "1",
    asOf: asOf?.success ? asOf.data : null,
    compare: first(params.compare) !== "0",
    variant: parseVariantParam(first(params.variant)),
  };
  // A refused ?asOf= runs nothing: the feed now, shown as if it were T, would mislead.
  const asOfProblem = asOf && !asOf.success ? (asOf.error.issues[0]?.message ?? "asOf (As of) is not a valid date and time") : null;
  const initial = userId && asOfProblem === null ? defaults : null;
  return (
    <>
      {header}
      <FeedDebugger
        initial={initial}
        defaults={defaults}
        asOfProblem={asOfProblem}
        surfaces={surfaces.map((entry) => ({ id: entry.id, name: entry.name, hasDraft: entry.hasDraft }))}
      />
    </>
  );
}
