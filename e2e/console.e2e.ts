// The console in a real browser against the e2e server's database (the tiny demo world). Numbers
// shown by the console are checked against the database itself, queried here with pg.
import { createHash } from "node:crypto";
import { DEMO_CONSOLE_EMAIL, DEMO_CONSOLE_PASSWORD } from "@cascade/core";
import { type Browser, expect, type Locator, type Page, test } from "@playwright/test";
import pg from "pg";

const databaseUrl = process.env.E2E_DATABASE_URL;
if (!databaseUrl) throw new Error("E2E_DATABASE_URL is not set (playwright.config.ts sets it)");

let db: pg.Pool;

test.beforeAll(() => {
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
});

test.afterAll(async () => {
  await db.end();
});

async function queryCount(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ count: string }>(sql, params);
  return Number(rows[0]?.count);
}

async function signIn(page: Page, path = "/login"): Promise<void> {
  await page.goto(path);
  await page.getByLabel("Email").fill(DEMO_CONSOLE_EMAIL);
  await page.getByLabel("Password").fill(DEMO_CONSOLE_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Row keys (item ids) of the items table once it has settled (not showing a previous page). */
async function visibleItemIds(page: Page): Promise<string[]> {
  const table = page.getByRole("table", { name: "Items" });
  await expect(table).toHaveAttribute("aria-busy", "false");
  return table.locator("tbody tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-row-key") ?? ""));
}

function statValue(page: Page, testId: string): Locator {
  return page.getByTestId(testId).locator("[data-value]");
}

async function signedOutPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

test.describe("sign-in", () => {
  test("a wrong password shows an error and stays on the login page", async ({ page, context }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill(DEMO_CONSOLE_EMAIL);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();

    // (Next's route announcer is an empty role="alert" too, hence the filter.)
    await expect(page.getByRole("alert").filter({ hasText: "Incorrect email or password." })).toBeVisible();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByLabel("Email")).toHaveValue(DEMO_CONSOLE_EMAIL);
    expect((await context.cookies()).find((cookie) => cookie.name === "cascade_session")).toBeUndefined();
  });

  test("the demo user signs in, lands on the overview and can sign out", async ({ page, context }) => {
    const before = await db.query<{ last_login_at: Date | null }>("SELECT last_login_at FROM console_users WHERE email = $1", [DEMO_CONSOLE_EMAIL]);
    await signIn(page);

    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
    const user = await db.query<{ name: string; last_login_at: Date }>("SELECT name, last_login_at FROM console_users WHERE email = $1", [DEMO_CONSOLE_EMAIL]);
    await expect(page.getByTestId("current-user")).toContainText(user.rows[0]!.name);
    await expect(page.getByTestId("current-user-role")).toHaveText("Admin");
    expect(user.rows[0]!.last_login_at.getTime()).toBeGreaterThan(before.rows[0]?.last_login_at?.getTime() ?? 0);

    // The cookie is httpOnly + SameSite=Lax and the database holds only its sha256.
    const cookie = (await context.cookies()).find((entry) => entry.name === "cascade_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });
    const sessionId = createHash("sha256").update(cookie!.value).digest("hex");
    expect(await queryCount("SELECT count(*) FROM console_sessions WHERE id = $1", [sessionId])).toBe(1);

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    expect(await queryCount("SELECT count(*) FROM console_sessions WHERE id = $1", [sessionId])).toBe(0);
    await page.goto("/items");
    await expect(page).toHaveURL(/\/login\?next=%2Fitems$/);
  });

  test("visiting /items signed out redirects to /login, and signing in comes back", async ({ browser }) => {
    const page = await signedOutPage(browser);
    await page.goto("/items");
    await expect(page).toHaveURL(/\/login\?next=%2Fitems$/);
    await expect(page.getByRole("heading", { name: "Sign in to the console" })).toBeVisible();

    await page.getByLabel("Email").fill(DEMO_CONSOLE_EMAIL);
    await page.getByLabel("Password").fill(DEMO_CONSOLE_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/items$/);
    await expect(page.getByRole("heading", { level: 1, name: "Items" })).toBeVisible();
    await page.context().close();
  });

  test("the API refuses calls without a session", async ({ request }) => {
    const response = await request.get("/api/trpc/overview.get");
    expect(response.status()).toBe(401);
  });
});

test.describe("overview", () => {
  test("shows exactly the counts in the database", async ({ page }) => {
    await signIn(page);
    await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();

    // Compared as one snapshot, reloading if the engine wrote events between the page's query
    // and ours (the e2e engine may still be logging impressions from earlier tests).
    await expect(async () => {
      await page.reload();
      const shown = {
        items: await statValue(page, "stat-items").getAttribute("data-value"),
        users: await statValue(page, "stat-users").getAttribute("data-value"),
        creators: await statValue(page, "stat-creators").getAttribute("data-value"),
        events: await statValue(page, "stat-events").getAttribute("data-value"),
        eventsLast24h: await statValue(page, "stat-events-24h").getAttribute("data-value"),
      };
      const expected = {
        items: String(await queryCount("SELECT count(*) FROM items")),
        users: String(await queryCount("SELECT count(*) FROM users")),
        creators: String(await queryCount("SELECT count(*) FROM creators")),
        events: String(await queryCount("SELECT count(*) FROM events")),
        eventsLast24h: String(await queryCount("SELECT count(*) FROM events WHERE occurred_at > (SELECT max(occurred_at) FROM events) - interval '24 hours'")),
      };
      expect(shown).toEqual(expected);
    }).toPass();

    // What people read is the same number, with thousands separators.
    const items = await queryCount("SELECT count(*) FROM items");
    await expect(statValue(page, "stat-items")).toHaveText(items.toLocaleString("en-US"));
    await expect(page.getByTestId("events-per-day-chart")).toBeVisible();
    await expect(page.getByTestId("top-categories-chart")).toBeVisible();
  });
});

test.describe("items", () => {
  test("pages forward and back through the catalogue", async ({ page }) => {
    const total = await queryCount("SELECT count(*) FROM items");
    expect(total, "the e2e world needs more than one page of items").toBeGreaterThan(25);
    const { rows } = await db.query<{ id: string }>("SELECT id FROM items ORDER BY published_at DESC, id DESC LIMIT 25 OFFSET 25");
    const secondPageInDb = rows.map((row) => row.id);

    await signIn(page, "/login?next=%2Fitems");
    await expect(page).toHaveURL(/\/items$/);
    await expect(page.getByTestId("items-total")).toHaveAttribute("data-value", String(total));
    const firstPage = await visibleItemIds(page);
    expect(firstPage).toHaveLength(25);

    await page.getByRole("link", { name: "Next page" }).click();
    await expect(page).toHaveURL(/\/items\?page=2$/);
    await expect(page.getByTestId("pagination-summary")).toHaveText(`Showing 26–50 of ${total.toLocaleString("en-US")} items`);
    const secondPage = await visibleItemIds(page);
    expect(secondPage).toEqual(secondPageInDb);
    expect(secondPage.filter((id) => firstPage.includes(id))).toEqual([]);

    await page.getByRole("link", { name: "Previous page" }).click();
    await expect(page).toHaveURL(/\/items$/);
    await expect(page.getByTestId("pagination-summary")).toHaveText(`Showing 1–25 of ${total.toLocaleString("en-US")} items`);
    expect(await visibleItemIds(page)).toEqual(firstPage);

    // The page is in the URL: opening it directly shows the same rows.
    await page.goto("/items?page=2");
    expect(await visibleItemIds(page)).toEqual(secondPageInDb);
  });

  test("a search narrows the table to matching rows", async ({ page }) => {
    // The least common category: a term that matches some items but not all of them.
    const { rows } = await db.query<{ category: string }>("SELECT category FROM items GROUP BY category ORDER BY count(*), category LIMIT 1");
    const term = rows[0]!.category.toUpperCase(); // upper case: search ignores case
    const pattern = `%${rows[0]!.category}%`;
    const matching = await queryCount(
      `SELECT count(*) FROM items i LEFT JOIN creators c ON c.id = i.creator_id
       WHERE i.id ILIKE $1 OR i.title ILIKE $1 OR i.category ILIKE $1 OR i.creator_id ILIKE $1 OR c.name ILIKE $1`,
      [pattern],
    );
    const total = await queryCount("SELECT count(*) FROM items");
    expect(matching).toBeGreaterThan(0);
    expect(matching).toBeLessThan(total);

    await signIn(page, "/login?next=%2Fitems");
    await expect(page.getByTestId("items-total")).toHaveAttribute("data-value", String(total));
    const searchbox = page.getByRole("searchbox", { name: "Search items" });
    await searchbox.fill(term);
    // Typing searches by itself after a pause; Enter searches at once (and works before hydration).
    await searchbox.press("Enter");

    await expect(page).toHaveURL(new RegExp(`[?&]q=${encodeURIComponent(term)}`));
    await expect(page.getByTestId("items-total")).toHaveAttribute("data-value", String(matching));
    const tableRows = page.getByRole("table", { name: "Items" }).locator("tbody tr");
    await expect(page.getByRole("table", { name: "Items" })).toHaveAttribute("aria-busy", "false");
    await expect(tableRows).toHaveCount(Math.min(matching, 25));
    for (const text of await tableRows.allInnerTexts()) {
      expect(text.toLowerCase()).toContain(term.toLowerCase());
    }

    // Linkable: reloading keeps the search.
    await page.reload();
    await expect(page.getByRole("searchbox", { name: "Search items" })).toHaveValue(term);
    await expect(page.getByTestId("items-total")).toHaveAttribute("data-value", String(matching));
  });
});
