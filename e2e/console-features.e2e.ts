// The Features page in a real browser against the e2e server's database: the registry table is
// compared row by row with feature_definitions, and a skew report inserted here must appear.
import { DEMO_CONSOLE_EMAIL, DEMO_CONSOLE_PASSWORD } from "@cascade/core";
import { expect, type Locator, type Page, test } from "@playwright/test";
import pg from "pg";

const databaseUrl = process.env.E2E_DATABASE_URL;
if (!databaseUrl) throw new Error("E2E_DATABASE_URL is not set (playwright.config.ts sets it)");

// Rows this file adds, so that the page has stale, fresh, never-updated and unmeasured features
// to show whatever the engine has synced; removed again afterwards.
const prefix = `e2e_console_${Math.random().toString(36).slice(2, 8)}`;
const HOUR = 3_600_000;

let db: pg.Pool;

type DefinitionRow = {
  name: string;
  entity: string;
  value_type: string;
  window: string | null;
  default_value: number;
  description: string;
  last_online_update_at: Date | null;
  coverage: number | null;
};

test.beforeAll(async () => {
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const insert = `INSERT INTO feature_definitions
      (name, entity, value_type, "window", default_value, description, definition_digest, last_online_update_at, coverage, updated_at)
    VALUES ($1, $2, 'number', $3, $4, $5, 'e2e', $6, $7, now())`;
  await db.query(insert, [`${prefix}_stale`, "user", "5m", 0, "A user feature last updated three hours ago.", new Date(Date.now() - 3 * HOUR), 0.42]);
  await db.query(insert, [`${prefix}_fresh`, "item", "half-life 6h", 0.05, "An item feature updated a minute ago.", new Date(Date.now() - 60_000), 0.875]);
  await db.query(insert, [`${prefix}_never`, "user_item", null, 720, "A user × item feature never updated online.", null, null]);
});

test.afterAll(async () => {
  await db.query("DELETE FROM feature_definitions WHERE name LIKE $1", [`${prefix}%`]);
  await db.end();
});

async function signIn(page: Page, next: string): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(DEMO_CONSOLE_EMAIL);
  await page.getByLabel("Password").fill(DEMO_CONSOLE_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[?]/g, "\\?")}$`));
}

function featureTable(page: Page): Locator {
  return page.getByRole("table", { name: "Features" });
}

/** What the table shows per feature, read from the cells' data attributes once it has settled. */
async function shownFeatures(page: Page) {
  await expect(featureTable(page)).toHaveAttribute("aria-busy", "false");
  return featureTable(page)
    .locator("tbody tr")
    .evaluateAll((rows) =>
      rows.map((row) => {
        const cell = (column: string) => row.querySelector(`[data-column="${column}"]`);
        const value = (column: string) => cell(column)?.querySelector("[data-value]")?.getAttribute("data-value") ?? null;
        return {
          name: row.getAttribute("data-row-key") ?? "",
          tone: row.getAttribute("data-tone"),
          entity: value("entity"),
          type: cell("name")?.querySelector("[data-type]")?.getAttribute("data-type") ?? null,
          window: value("window"),
          default: value("default"),
          freshness: cell("freshness")?.querySelector("[data-freshness]")?.getAttribute("data-freshness") ?? null,
          coverage: value("coverage"),
          text: row.textContent ?? "",
        };
      }),
    );
}

test.describe("features", () => {
  test("lists every row of feature_definitions with its freshness and coverage", async ({ page }) => {
    await signIn(page, "/features");
    await expect(page.getByRole("heading", { level: 1, name: "Features" })).toBeVisible();

    await expect(async () => {
      await page.reload();
      const { rows } = await db.query<DefinitionRow>(
        `SELECT name, entity, value_type, "window", default_value, description, last_online_update_at, coverage
         FROM feature_definitions`,
      );
      const shown = await shownFeatures(page);
      expect(shown.map((row) => row.name).sort()).toEqual(rows.map((row) => row.name).sort());
      const byName = new Map(shown.map((row) => [row.name, row]));
      for (const definition of rows) {
        const row = byName.get(definition.name)!;
        expect(row.entity).toBe(definition.entity);
        expect(row.type).toBe(definition.value_type);
        expect(row.window).toBe(definition.window);
        expect(Number(row.default)).toBe(definition.default_value);
        expect(row.text).toContain(definition.description);
        expect(row.coverage).toBe(definition.coverage === null ? "" : String(definition.coverage));
        const expectedFreshness =
          definition.entity === "context"
            ? "per_request"
            : definition.last_online_update_at === null
              ? "never"
              : Date.now() - definition.last_online_update_at.getTime() > HOUR
                ? "stale"
                : "fresh";
        expect(row.freshness, definition.name).toBe(expectedFreshness);
        expect(row.tone, definition.name).toBe(expectedFreshness === "stale" || expectedFreshness === "never" ? "warning" : null);
      }
    }).toPass();

    // What people read: the stale feature is flagged with its age, coverage as a percentage.
    const stale = featureTable(page).locator(`tr[data-row-key="${prefix}_stale"]`);
    await expect(stale).toContainText("Stale · 3 h");
    await expect(stale).toContainText("42%");
    await expect(featureTable(page).locator(`tr[data-row-key="${prefix}_never"]`)).toContainText("Never updated");
    await expect(featureTable(page).locator(`tr[data-row-key="${prefix}_fresh"] [data-column="freshness"]`)).toHaveText(/^[1-4] min ago$/);
    const total = Number((await db.query<{ count: string }>("SELECT count(*) FROM feature_definitions")).rows[0]!.count);
    await expect(page.getByTestId("stat-features").locator("[data-value]")).toHaveAttribute("data-value", String(total));
  });

  test("filters by entity and searches by name, in the URL", async ({ page }) => {
    await signIn(page, "/features");
    const entityFilter = page.getByRole("radiogroup", { name: "Entity" });
    await entityFilter.getByRole("radio", { name: /^Item/ }).click();
    await expect(page).toHaveURL(/\/features\?entity=item$/);
    const itemCount = Number((await db.query<{ count: string }>("SELECT count(*) FROM feature_definitions WHERE entity = 'item'")).rows[0]!.count);
    await expect(page.getByTestId("features-shown")).toHaveAttribute("data-value", String(itemCount));
    const items = await shownFeatures(page);
    expect(items).toHaveLength(itemCount);
    expect(items.every((row) => row.entity === "item")).toBe(true);

    await entityFilter.getByRole("radio", { name: /^All/ }).click();
    const searchbox = page.getByRole("searchbox", { name: "Search features" });
    await searchbox.fill(`${prefix.toUpperCase()}_ST`);
    await expect(page).toHaveURL(new RegExp(`[?&]q=${prefix.toUpperCase()}_ST`));
    await expect(page.getByTestId("features-shown")).toHaveAttribute("data-value", "1");
    expect((await shownFeatures(page)).map((row) => row.name)).toEqual([`${prefix}_stale`]);

    // Linkable: opening the URL shows the same filtered table.
    await page.goto(`/features?entity=user_item&q=${prefix}`);
    expect((await shownFeatures(page)).map((row) => row.name)).toEqual([`${prefix}_never`]);
    await expect(entityFilter.getByRole("radio", { name: /^User × item/ })).toHaveAttribute("aria-checked", "true");
  });

  test("shows the latest skew report, flagged features highlighted", async ({ page }) => {
    const existing = Number((await db.query<{ count: string }>("SELECT count(*) FROM skew_reports")).rows[0]!.count);
    await signIn(page, "/features");
    if (existing === 0) {
      const card = page.getByTestId("skew-report");
      await expect(card).toContainText("No skew report yet");
      await expect(card).toContainText("cascade skew");
    }

    const reportId = `${prefix}_report`;
    const features = {
      [`${prefix}_fresh`]: { compared: 1500, mismatches: 180, mismatchRate: 0.12, meanAbsDiff: 0.75, maxAbsDiff: 9.5, flagged: true },
      [`${prefix}_stale`]: { compared: 1500, mismatches: 0, mismatchRate: 0, meanAbsDiff: 0, maxAbsDiff: 0, flagged: false },
    };
    // Stamped a minute ahead so that it is the latest even if the engine stores one meanwhile.
    await db.query(
      `INSERT INTO skew_reports (id, created_at, window_start, window_end, sample_size, features, flagged, threshold)
       VALUES ($1, now() + interval '1 minute', now() - interval '1 day', now(), 1500, $2, true, 0.01)`,
      [reportId, JSON.stringify(features)],
    );
    try {
      await page.reload();
      const summary = page.getByTestId("skew-report-summary");
      await expect(summary).toHaveAttribute("data-report-id", reportId);
      await expect(summary).toContainText("Skew in 1 feature");
      await expect(page.getByTestId("skew-report-sample")).toHaveText("1,500 served rows");

      const table = page.getByRole("table", { name: "Skew per feature" });
      const rows = table.locator("tbody tr");
      await expect(rows).toHaveCount(2);
      const flagged = rows.first();
      await expect(flagged).toHaveAttribute("data-row-key", `${prefix}_fresh`);
      await expect(flagged).toHaveAttribute("data-tone", "danger");
      await expect(flagged).toContainText("12%");
      await expect(flagged).toContainText("Skew");
      await expect(flagged.locator('[data-column="maxAbsDiff"] [data-value]')).toHaveAttribute("data-value", "9.5");
      await expect(rows.nth(1)).toHaveAttribute("data-row-key", `${prefix}_stale`);
      await expect(rows.nth(1)).not.toHaveAttribute("data-tone", /.+/);
      await expect(rows.nth(1)).toContainText("OK");
      await expect(page.getByTestId("stat-features-skew")).toContainText("1 flagged");
    } finally {
      await db.query("DELETE FROM skew_reports WHERE id = $1", [reportId]);
    }
  });
});
