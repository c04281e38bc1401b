// The feed debugger's time picker against a real engine: a demo user's feed as it would have been
// served two weeks ago, beside the feed now. Both served lists carry the business time the engine
// ran them at, items served in only one list are marked, the rest of the debugger (history here)
// shows the as-of run, the request survives a reload from the URL, and a future time is refused.
import { DEMO_CONSOLE_EMAIL, DEMO_CONSOLE_PASSWORD } from "@cascade/core";
import { expect, type Locator, type Page, test } from "@playwright/test";

/** A demo user with history (the tiny demo world numbers users from user-00000; its 28 days end now). */
const DEMO_USER = "user-00003";
const FEED_PATH = `/feed?user=${DEMO_USER}&surface=home&count=20`;
const DAY_MS = 24 * 60 * 60 * 1000;
const ENGINE_TIMEOUT_MS = 30_000;

async function signInTo(page: Page, path: string): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(path)}`);
  await page.getByLabel("Email").fill(DEMO_CONSOLE_EMAIL);
  await page.getByLabel("Password").fill(DEMO_CONSOLE_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Feed debugger" })).toBeVisible();
}

const pad = (value: number) => String(value).padStart(2, "0");
/** 2026-11-22T02:00:00Z → "2026-11-22T02:00" (the picker's value, read as UTC). */
const pickerValue = (date: Date) =>
  `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
/** 2026-11-22T02:00:00Z → "2026-11-22 02:00 UTC" (how the console labels it). */
const label = (date: Date) => `${pickerValue(date).replace("T", " ")} UTC`;

/** Every row of one compared list: its item id and whether it is marked as served in this list only. */
async function comparedRows(list: Locator): Promise<{ itemId: string; only: boolean; marker: boolean }[]> {
  const rows = list.getByTestId("compared-item");
  await expect(rows.first()).toBeVisible({ timeout: ENGINE_TIMEOUT_MS });
  const out: { itemId: string; only: boolean; marker: boolean }[] = [];
  for (const row of await rows.all()) {
    out.push({
      itemId: (await row.getAttribute("data-item-id"))!,
      only: (await row.getAttribute("data-only")) === "true",
      marker: (await row.getByTestId("only-marker").count()) === 1,
    });
  }
  return out;
}

async function expectComparison(page: Page, asOf: Date): Promise<void> {
  const comparison = page.getByTestId("feed-comparison");
  await expect(comparison).toBeVisible({ timeout: ENGINE_TIMEOUT_MS });
  const asOfList = comparison.locator('[data-testid="compared-list"][data-list="as-of"]');
  const nowList = comparison.locator('[data-testid="compared-list"][data-list="now"]');

  // Each list is labelled with the business time the engine ran it at (the trace's clock).
  await expect(asOfList.getByTestId("compared-list-label")).toHaveText(`As of ${label(asOf)}`);
  await expect(asOfList).toHaveAttribute("data-business-time", asOf.toISOString());
  await expect(nowList.getByTestId("compared-list-label")).toHaveText(/^Now · \d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})? UTC$/, { timeout: ENGINE_TIMEOUT_MS });
  const nowMs = Date.parse((await nowList.getAttribute("data-business-time"))!);
  expect(nowMs - asOf.getTime()).toBeGreaterThan(13 * DAY_MS);

  // Marked exactly when the item is missing from the other list.
  const before = await comparedRows(asOfList);
  const now = await comparedRows(nowList);
  const beforeIds = new Set(before.map((row) => row.itemId));
  const nowIds = new Set(now.map((row) => row.itemId));
  for (const row of before)
    expect({ itemId: row.itemId, only: row.only, marker: row.marker }).toEqual({
      itemId: row.itemId,
      only: !nowIds.has(row.itemId),
      marker: !nowIds.has(row.itemId),
    });
  for (const row of now)
    expect({ itemId: row.itemId, only: row.only, marker: row.marker }).toEqual({
      itemId: row.itemId,
      only: !beforeIds.has(row.itemId),
      marker: !beforeIds.has(row.itemId),
    });
  const shared = before.filter((row) => nowIds.has(row.itemId)).length;
  await expect(comparison.getByTestId("comparison-summary")).toContainText(`${shared} of ${before.length} items as of T are also served now`);

  // The rest of the debugger is the as-of run: its business time, and no event after T in the history.
  await expect(page.getByTestId("business-time")).toHaveText(`as of ${label(asOf)}`);
  // The tiny demo world's log up to T is small: the engine replayed the funnel at T.
  await expect(page.getByTestId("point-in-time")).toHaveText("replayed at T");
  await expect(page.getByTestId("point-in-time-note")).toContainText("online features from the");
  await expect(page.getByRole("heading", { name: new RegExp(`^Final list as of ${label(asOf)} \\(\\d+\\)$`) })).toBeVisible();
  const historyTimes = await page.getByTestId("user-history").locator("tbody tr td:first-child").allTextContents();
  expect(historyTimes.length).toBeGreaterThan(0);
  for (const text of historyTimes) expect(Date.parse(`${text.replace(" ", "T")}Z`)).toBeLessThanOrEqual(asOf.getTime());
}

test("the debugger shows a user's feed as of a past time beside the feed now, both labelled", async ({ page }) => {
  test.setTimeout(180_000);
  await signInTo(page, FEED_PATH);
  const preview = page.getByTestId("feed-preview");
  await expect(preview).toBeVisible({ timeout: ENGINE_TIMEOUT_MS });
  await expect(page.getByTestId("business-time")).toHaveText(/^business time /);
  await expect(page.getByTestId("point-in-time")).toHaveCount(0);
  await expect(page.getByTestId("feed-comparison")).toHaveCount(0);

  // Two weeks back, on the minute: the middle of the demo world's 28 days.
  const asOf = new Date(Math.floor((Date.now() - 14 * DAY_MS) / 60_000) * 60_000);
  const picker = page.getByLabel("As of (UTC)");
  const compare = page.getByLabel("Compare with now");
  await expect(compare).toBeDisabled();
  await picker.fill(pickerValue(asOf));
  await expect(compare).toBeChecked();
  const before = await preview.getAttribute("data-request-id");
  await page.getByRole("button", { name: "Run again" }).click();
  await expect(preview).not.toHaveAttribute("data-request-id", before ?? "", { timeout: ENGINE_TIMEOUT_MS });
  await expect.poll(() => new URL(page.url()).searchParams.get("asOf")).toBe(asOf.toISOString());
  await expectComparison(page, asOf);

  // The URL carries it: a reload runs the same comparison.
  await page.reload();
  await expect(picker).toHaveValue(pickerValue(asOf));
  await expectComparison(page, asOf);

  // A time in the future is refused next to the field, naming it, and nothing is asked.
  const requestId = await preview.getAttribute("data-request-id");
  await picker.fill(pickerValue(new Date(Date.now() + DAY_MS)));
  await page.getByRole("button", { name: "Run again" }).click();
  await expect(page.getByTestId("as-of-error")).toContainText("asOf (As of) is in the future");
  await expect(preview).toHaveAttribute("data-request-id", requestId ?? "");
  expect(new URL(page.url()).searchParams.get("asOf")).toBe(asOf.toISOString());
});
