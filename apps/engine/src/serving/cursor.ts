// Pagination cursors: opaque to clients, base64url JSON inside. A cursor pins the ranking snapshot
// the first page came from and how far into it the previous pages read, so the next page
// continues the same list and never repeats an item.
import { z } from "zod";

export type FeedCursor = {
  /** Id of the ranking snapshot being paged. */
  snapshotId: string;
  /** Index in the snapshot where the next page starts reading. */
  offset: number;
  /** Items served on earlier pages: positions continue from here. */
  served: number;
};

const CURSOR_VERSION = 1;

const encodedCursor = z.object({
  v: z.literal(CURSOR_VERSION),
  s: z.string().min(1).max(64),
  o: z.number().int().min(0).max(1_000_000),
  n: z.number().int().min(0).max(1_000_000),
});

export function encodeCursor(cursor: FeedCursor): string {
  const payload: z.infer<typeof encodedCursor> = { v: CURSOR_VERSION, s: cursor.snapshotId, o: cursor.offset, n: cursor.served };
  return Buffer.from(JSON.stringify(payload)).toString("base64url");
}

/** The cursor, or null when the text is not one of ours (tampered, truncated, other version). */
export function decodeCursor(text: string): FeedCursor | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  const parsed = encodedCursor.safeParse(json);
  if (!parsed.success || parsed.data.n > parsed.data.o) return null;
  return { snapshotId: parsed.data.s, offset: parsed.data.o, served: parsed.data.n };
}

/** The request's cursor cannot be used; the HTTP layer answers 400 naming `cursor`. */
export class InvalidCursorError extends Error {
  override readonly name = "InvalidCursorError";
}
