// A request's random seed from its id (FNV-1a, 32 bits), so a logged request can be replayed
// with exactly the same exploration draws.
export function seedFromRequestId(requestId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < requestId.length; i++) {
    hash ^= requestId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Sub-stream labels for deriveSeed(query.seed, …): the served draw and the propensity replays must be independent. */
export const EXPLORATION_STREAM = { served: 101, replays: 102 } as const;
