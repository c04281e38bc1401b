// A log shaped like a public ratings data set (MovieLens): ratings only, no impressions, seven
// months long and decades old, in a scratch database of its own (the pipeline reads the whole
// event log, so rows other test files leave in TEST_DATABASE_URL would change it). Deterministic:
// users prefer items of their own genre (of 4), rating them 4–5 stars and others 1–3, stored ×2
// (the API's ratings are 0–10). The last 8 users only arrive in the final 5% of the log, so a
// model held out on the newest interactions never sees them.
import pg from "pg";
import { createPrismaClient, type Database } from "@cascade/db";
import { createScratchDatabase } from "../../../testing/scratchDatabase.ts";

const DAY = 86_400_000;
const START = Date.UTC(1997, 8, 20);
const SPAN_DAYS = 210;
export const RATINGS_WORLD = { items: 40, users: 48, ratingsPerUser: 12, lateUsers: 8 } as const;

export type Rating = { user: string; item: number; stars: number; atMs: number };

export function ratingsWorld(): Rating[] {
  const { items, users, ratingsPerUser, lateUsers } = RATINGS_WORLD;
  const rows: Rating[] = [];
  for (let u = 0; u < users; u += 1) {
    const late = u >= users - lateUsers;
    const from = late ? START + SPAN_DAYS * 0.95 * DAY : START;
    const to = late ? START + SPAN_DAYS * DAY : START + SPAN_DAYS * 0.9 * DAY;
    for (let r = 0; r < ratingsPerUser; r += 1) {
      const item = (u * 7 + r * (r % 3 === 0 ? 4 : 1) * 3) % items;
      const liked = item % 4 === u % 4;
      rows.push({ user: `u${u}`, item, stars: liked ? 4 + (r % 2) : 1 + (r % 3), atMs: Math.round(from + ((to - from) * (r + (u % 5) / 5)) / ratingsPerUser) });
    }
  }
  return rows;
}

export type ScratchRatingsDatabase = { db: Database; url: string; rows: Rating[]; drop(): Promise<void> };

/** A scratch database (createScratchDatabase) holding the ratings world. */
export async function createRatingsDatabase(name: string): Promise<ScratchRatingsDatabase> {
  const scratch = await createScratchDatabase(name);
  const rows = ratingsWorld();
  const client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  try {
    for (let i = 0; i < RATINGS_WORLD.items; i += 1) {
      await client.query(`INSERT INTO items (id, title, category, tags, published_at) VALUES ($1, $2, $3, $4, $5)`, [
        `m${i}`,
        `Movie ${i}`,
        `genre-${i % 4}`,
        [`genre-${i % 4}`],
        new Date(Date.UTC(1990 + (i % 7), 0, 1)),
      ]);
    }
    for (const [index, row] of rows.entries()) {
      await client.query(`INSERT INTO events (event_id, type, user_id, item_id, occurred_at, value) VALUES ($1, 'rating', $2, $3, $4, $5)`, [
        `r${index}`,
        row.user,
        `m${row.item}`,
        new Date(row.atMs),
        row.stars * 2,
      ]);
    }
  } finally {
    await client.end();
  }
  const db = createPrismaClient(scratch.url, { poolSize: 2 });
  return {
    db,
    url: scratch.url,
    rows,
    drop: async () => {
      await db.$disconnect();
      await scratch.drop();
    },
  };
}
