// The Rules page and the Feed debugger against a real engine: publish a rule change in the
// console and watch the engine (hot-reloading on NOTIFY cascade_rules_changed) serve a different
// feed in the debugger; roll it back and the old behaviour returns. Plus inline validation of
// filter expressions (the error names its column; Publish stays disabled).
import { DEMO_CONSOLE_EMAIL, DEMO_CONSOLE_PASSWORD } from "@cascade/core";
import { expect, type Page, test } from "@playwright/test";

/** A demo user with history (the tiny demo world numbers users from user-00000). */
const DEMO_USER = "user-00003";
const FEED_PATH = `/feed?user=${DEMO_USER}&surface=home&count=30`;
/** NOTIFY plus the engine's refresh; generous for a loaded 2-core machine (the poll fallback is 5 s). */
const RELOAD_TIMEOUT_MS = 45_000;

test.describe.configure({ mode: "serial" });

async function signInTo(page: Page, path: string, heading: string): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(path)}`);
  await page.getByLabel("Email").fill(DEMO_CONSOLE_EMAIL);
  await page.getByLabel("Password").fill(DEMO_CONSOLE_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
}

async function servedCategories(page: Page): Promise<string[]> {
  await expect(page.getByTestId("served-item").first()).toBeVisible({ timeout: 30_000 });
  return page.getByTestId("served-category").allTextContents();
}

/** Asks the engine again and waits for the new answer (a new request id). */
async function runFeedAgain(page: Page): Promise<string[]> {
  const preview = page.getByTestId("feed-preview");
  const before = await preview.getAttribute("data-request-id");
  await page.getByRole("button", { name: "Run again" }).click();
  await expect(preview).not.toHaveAttribute("data-request-id", before ?? "", { timeout: 30_000 });
  return servedCategories(page);
}

function mostFrequent(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
}

/** Publishes what the editor holds; returns the new version number from the confirmation. */
async function publish(page: Page, note: string): Promise<number> {
  await page.getByLabel("Change note").fill(note);
  await page.getByRole("button", { name: /^Publish/ }).click();
  await page.getByRole("dialog", { name: "Confirm publish" }).getByRole("button", { name: "Confirm publish" }).click();
  const message = page.getByTestId("rules-message");
  await expect(message).toContainText(/Published v\d+/);
  return Number(/Published v(\d+)/.exec((await message.textContent()) ?? "")![1]);
}

test("a published blocked category leaves the debugger's feed; rolling back lets it return", async ({ page }) => {
  test.setTimeout(240_000);
  await signInTo(page, "/rules?surface=home", "Rules");
  await expect(page.getByTestId("rule-set-editor")).toBeVisible();
  // A known-good baseline to roll back to (the demo seed's v1 predates the current schema).
  const baseline = await publish(page, `e2e baseline ${Date.now()}`);

  await page.goto(FEED_PATH);
  await servedCategories(page);
  await expect
    .poll(
      async () => {
        await runFeedAgain(page);
        return page.getByTestId("config-source").textContent();
      },
      { timeout: RELOAD_TIMEOUT_MS, intervals: [500, 1_000, 2_000] },
    )
    .toBe(`published rule set v${baseline}`);
  const before = await servedCategories(page);
  expect(before.length).toBeGreaterThan(0);
  const blocked = mostFrequent(before);
  const blockedItem = (await page
    .getByTestId("served-item")
    .filter({ has: page.getByTestId("served-category").getByText(blocked, { exact: true }) })
    .first()
    .getAttribute("data-item-id"))!;
  // The stage chart and the user's history are drawn from the same answer.
  await expect(page.getByTestId("stage-timing-chart")).toBeVisible();
  await expect(page.getByTestId("user-history")).toBeVisible();

  await page.goto("/rules?surface=home");
  await page.getByLabel(/^Blocked categories/).fill(blocked);
  await expect(page.getByTestId("problem-count")).toHaveCount(0);
  const blocking = await publish(page, `e2e block ${blocked}`);
  expect(blocking).toBeGreaterThan(baseline);
  await expect(page.getByTestId(`version-row-v${baseline}`)).toContainText("archived");

  await page.goto(FEED_PATH);
  await expect
    .poll(
      async () => {
        const categories = await runFeedAgain(page);
        return categories.includes(blocked) || !(await page.getByTestId("config-source").textContent())?.includes(`v${blocking}`);
      },
      { timeout: RELOAD_TIMEOUT_MS, intervals: [500, 1_000, 2_000] },
    )
    .toBe(false);
  // "Why not item X?": the item that led the category before is now removed by the blocked filter.
  await page.getByLabel("Item id").fill(blockedItem);
  await page.getByRole("button", { name: "Explain" }).click();
  const whyNot = page.getByTestId("why-not").getByTestId("item-explanation");
  await expect(whyNot).toHaveAttribute("data-status", "removed");
  await expect(whyNot).toContainText(`blocked category "${blocked}"`);

  await page.goto("/rules?surface=home");
  await page
    .getByTestId(`version-row-v${baseline}`)
    .getByRole("button", { name: `Roll back to v${baseline}` })
    .click();
  await page.getByRole("dialog", { name: "Confirm roll back" }).getByRole("button", { name: "Confirm roll back" }).click();
  await expect(page.getByTestId("rules-message")).toContainText(/Rolled back: published v\d+/);
  await expect(page.getByLabel(/^Blocked categories/)).toHaveValue("");

  await page.goto(FEED_PATH);
  await expect.poll(async () => (await runFeedAgain(page)).includes(blocked), { timeout: RELOAD_TIMEOUT_MS, intervals: [500, 1_000, 2_000] }).toBe(true);
});

test("an invalid filter expression shows the error with its column and disables Publish", async ({ page }) => {
  await signInTo(page, "/rules?surface=home", "Rules");
  await page.getByRole("button", { name: "Add expression filter" }).click();
  const expression = "age_hours < 72 and bogus_field > 1";
  const field = page.getByTestId("expression-filter-0").getByLabel("Keep items where");
  await field.fill(expression);
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("expression-filter-0").getByTestId("expression-error")).toContainText(`Column ${expression.indexOf("bogus_field") + 1}`);
  await expect(page.getByTestId("expression-filter-0").getByTestId("expression-underline").locator("span")).toHaveText("bogus_field");
  await expect(page.getByRole("button", { name: /^Publish/ })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Save draft" })).toBeDisabled();

  await field.fill("age_hours < 72");
  await expect(page.getByTestId("expression-filter-0").getByTestId("expression-error")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Publish/ })).toBeEnabled();
});

test("the debugger dry-runs a saved draft without publishing it", async ({ page }) => {
  test.setTimeout(120_000);
  await signInTo(page, FEED_PATH, "Feed debugger");
  const published = await servedCategories(page);
  const publishedSource = await page.getByTestId("config-source").textContent();
  const blocked = mostFrequent(published);

  await page.goto("/rules?surface=home");
  await page.getByLabel(/^Blocked categories/).fill(blocked);
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByTestId("rules-message")).toContainText("Saved the draft");

  await page.goto(`${FEED_PATH}&draft=1`);
  await expect(page.getByTestId("config-source")).toHaveText("draft rule set (dry run)", { timeout: 30_000 });
  expect(await servedCategories(page)).not.toContain(blocked);

  // Without the toggle the same user gets the published config, untouched by the draft.
  await page.getByLabel("Dry-run the saved draft rule set").uncheck();
  await runFeedAgain(page);
  await expect(page.getByTestId("config-source")).toHaveText(publishedSource ?? "");

  await page.goto("/rules?surface=home");
  await page.getByRole("button", { name: "Discard draft" }).click();
  await expect(page.getByLabel(/^Blocked categories/)).toHaveValue("");
});
