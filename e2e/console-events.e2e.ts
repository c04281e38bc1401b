// The Events page in a real browser against the e2e server: counts by type are compared with the
// event log for the window the page reports, and an event the engine rejects must show up in the
// dead-letter table with its reason.
import { DEMO_API_KEY, DEMO_CONSOLE_EMAIL, DEMO_CONSOLE_PASSWORD } from "@cascade/core";
import { expect, type Page, test } from "@playwright/test";
import pg from "pg";

const databaseUrl = process.env.E2E_DATABASE_URL;
const engineUrl = process.env.E2E_ENGINE_URL;
if (!databaseUrl || !engineUrl) throw new Error("E2E_DATABASE_URL / E2E_ENGINE_URL are not set (playwright.config.ts sets them)");

const prefix = `e2e-console-events-${Math.random().toString(36).slice(2, 8)}`;
let db: pg.Pool;

test.beforeAll(() => {
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
});

test.afterAll(async () => {
  await db.query("DELETE FROM rejected_events WHERE event_id LIKE $1", [`${prefix}%`]);
  await db.end();
});

async function signIn(page: Page, next: string): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(DEMO_CONSOLE_EMAIL);
  await page.getByLabel("Password").fill(DEMO_CONSOLE_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Events" })).toBeVisible();
}

/** The counts table's window and numbers, read in one go from the rendered page. */
async function shownCounts(page: Page) {
  const counts = page.getByTestId("event-type-counts");
  await expect(counts).not.toHaveClass(/busy/);
  return counts.evaluate((element) => ({
    range: element.getAttribute("data-range"),
    from: element.getAttribute("data-from") ?? "",
    to: element.getAttribute("data-to") ?? "",
    byType: Object.fromEntries(
      [...element.querySelectorAll("tbody tr[data-row-key]")].map((row) => [
        row.getAttribute("data-row-key"),
        Number(row.querySelector('[data-column="count"]')?.getAttribute("data-value")),
      ]),
    ),
    total: Number(element.querySelector('[data-testid="event-type-total"]')?.getAttribute("data-value")),
  }));
}

/** The event log's counts per type for [from, to) (no lower bound when from is empty). */
async function countsInDatabase(from: string, to: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ type: string; count: string }>(
    `SELECT type::text AS type, count(*) AS count FROM events
     WHERE ($1 = '' OR received_at >= $1::timestamptz) AND received_at < $2::timestamptz
     GROUP BY type`,
    [from, to],
  );
  return Object.fromEntries(rows.map((row) => [row.type, Number(row.count)]));
}

const EVENT_TYPES = ["impression", "click", "like", "share", "watch", "purchase", "rating", "hide", "dislike"];

test.describe("events", () => {
  test("counts by type equal the event log's for the selected range", async ({ page }) => {
    await signIn(page, "/events?range=all");
    const rangePicker = page.getByRole("radiogroup", { name: "Time range" });

    for (const [label, range] of [
      ["All time", "all"],
      ["Last 7 days", "7d"],
      ["Last 24 hours", "24h"],
      ["Last hour", "1h"],
    ] as const) {
      const radio = rangePicker.getByRole("radio", { name: label });
      if ((await radio.getAttribute("aria-checked")) !== "true") await radio.click();
      await expect(radio).toHaveAttribute("aria-checked", "true");
      // Reloaded until the page and the database agree: the engine's consumers may still be
      // writing events received before the page's window closed.
      let attempt = 0;
      await expect(async () => {
        if (attempt++ > 0) await page.reload();
        const shown = await shownCounts(page);
        expect(shown.range).toBe(range);
        expect(shown.from === "").toBe(range === "all");
        const expected = await countsInDatabase(shown.from, shown.to);
        expect(shown.byType).toEqual(Object.fromEntries(EVENT_TYPES.map((type) => [type, expected[type] ?? 0])));
        expect(shown.total).toBe(Object.values(expected).reduce((sum, count) => sum + count, 0));
        if (range === "all") expect(shown.total).toBeGreaterThan(0); // the demo world's log
      }).toPass({ intervals: [500, 1_000, 2_000] });
    }
    await expect(page).toHaveURL(/\/events\?range=1h$/);
    await expect(page.getByTestId("ingest-rate-chart").or(page.getByText("Nothing received in this range"))).toBeVisible();
  });

  test("an event rejected by the engine appears in the dead letters with its reason", async ({ page, request }) => {
    const eventId = `${prefix}-unknown-item`;
    const response = await request.post(`${engineUrl}/v1/events`, {
      headers: { authorization: `Bearer ${DEMO_API_KEY}` },
      data: {
        events: [
          {
            eventId,
            type: "click",
            userId: "user-00001",
            itemId: `${prefix}-no-such-item`,
            timestamp: new Date().toISOString(),
          },
        ],
      },
    });
    expect(response.status()).toBe(200);
    const body = await response.json();
    expect(body.results[0]).toMatchObject({ status: "rejected", field: "itemId", reason: "unknown item" });

    await signIn(page, "/events?range=1h");
    const table = page.getByRole("table", { name: "Recent rejections" });
    const row = table.locator("tbody tr", { hasText: eventId });
    await expect(row).toHaveCount(1);
    await expect(row.locator('[data-column="field"]')).toHaveText("itemId");
    await expect(row.locator('[data-column="reason"]')).toHaveText("unknown item");
    await expect(row.locator('[data-column="payload"]')).toContainText(`${prefix}-no-such-item`);

    // Opening the payload shows it in full.
    await row.locator("summary").click();
    await expect(row.locator("pre")).toContainText(`"eventId": "${eventId}"`);

    // Grouped with the other unknown-item rejections of the hour, counted as in the table.
    const reasons = page.getByRole("table", { name: "Rejections by reason" });
    const group = reasons.locator('tr[data-row-key="itemId: unknown item"]');
    await expect(async () => {
      await expect(group).toBeVisible();
      const shown = await reasons.evaluate((element) => ({
        from: element.getAttribute("data-from") ?? "",
        to: element.getAttribute("data-to") ?? "",
      }));
      const shownCount = Number(await group.locator('[data-column="count"]').getAttribute("data-value"));
      const { rows } = await db.query<{ count: string }>(
        `SELECT count(*) FROM rejected_events
         WHERE field = 'itemId' AND reason = 'unknown item' AND received_at >= $1::timestamptz AND received_at < $2::timestamptz`,
        [shown.from, shown.to],
      );
      expect(shownCount).toBeGreaterThanOrEqual(1);
      expect(shownCount).toBe(Number(rows[0]!.count));
    }).toPass();

    // Picking the reason filters the table to it, in the URL.
    await group.getByRole("link", { name: "unknown item" }).click();
    await expect(page).toHaveURL(/[?&]field=itemId&reason=unknown\+item/);
    await expect(page.getByTestId("rejection-filter")).toContainText("itemId: unknown item");
    await expect(async () => {
      await expect(table).toHaveAttribute("aria-busy", "false");
      const reasonsShown = await table.locator('tbody [data-column="reason"]').allInnerTexts();
      expect(reasonsShown.length).toBeGreaterThan(0);
      expect(new Set(reasonsShown)).toEqual(new Set(["unknown item"]));
    }).toPass();
    await expect(table.locator("tbody tr", { hasText: eventId })).toHaveCount(1);
  });
});
