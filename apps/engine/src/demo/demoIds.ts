// External ids of the demo world. Zero-padded so ids sort like their indices (the B-tree indexes
// on them then fill in order) and read naturally: item-000123, user-00042, creator-0007. Widths
// grow automatically past the padding (item-1000000).

export function itemId(index: number): string {
  return `item-${String(index).padStart(6, "0")}`;
}

export function userId(index: number): string {
  return `user-${String(index).padStart(5, "0")}`;
}

export function creatorId(index: number): string {
  return `creator-${String(index).padStart(4, "0")}`;
}

/** `demo-<seed>-<n>`, n padded to 10 digits so event ids arrive in index order. */
export function demoEventId(seed: number, sequence: number): string {
  return `demo-${seed}-${String(sequence).padStart(10, "0")}`;
}

/** One id per simulated recommendation request: the session and the request's place in it. */
export function demoRequestId(seed: number, sessionIndex: number, requestInSession: number): string {
  return `demo-${seed}-req-${String(sessionIndex).padStart(9, "0")}-${requestInSession}`;
}

/** Index of an id made by itemId/userId/creatorId, or -1 when the id is not of that kind. */
export function parseDemoIndex(kind: "item" | "user" | "creator", id: string): number {
  const match = /^([a-z]+)-(\d+)$/.exec(id);
  if (!match || match[1] !== kind) return -1;
  return Number(match[2]);
}
