// The request as the funnel sees it, plus what query hydrators learn about the user. Everything a
// request's components share travels here (or in the trace), so components are built once.
import type { EntityState } from "../stores/onlineStore.ts";

export type QueryFacts = {
  /** When the user last saw or consumed each recent item (epoch ms); read by the seen filter. */
  seenAtMs?: ReadonlyMap<string, number>;
  userFeatures?: Readonly<Record<string, number>>;
  /** The user's online-store state as the `userHistory` hydrator read it (the `onlineFeatures` hydrator reuses it: no second read). */
  userState?: EntityState;
  followedCreatorIds?: readonly string[];
  /** Items the user hid, disliked or bought (read by the userExclusions filter; absent = could not be read). */
  hiddenItemIds?: ReadonlySet<string>;
  /** Items the user consumed under the surface's `filters.consumed` (read by the consumed filter; absent = could not be read). */
  consumedItemIds?: ReadonlySet<string>;
};

export type FunnelQuery = QueryFacts & {
  requestId: string;
  userId: string;
  surface: string;
  /** Items to serve on this page. */
  count: number;
  /** The request's clock (epoch ms); every age/freshness computation uses it, never Date.now(). */
  nowMs: number;
  context: Readonly<Record<string, string | number | boolean>>;
  excludeItemIds: readonly string[];
  /** Seeds every random choice of the request (exploration), so a request can be replayed exactly. */
  seed: number;
};
