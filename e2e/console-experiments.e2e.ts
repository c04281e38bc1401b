// The Experiments pages against a real engine: create an experiment in the wizard (the engine's own
// refusal of a duplicate key shows next to the Key field), start it, watch the engine assign users
// to both variants in /v1/recommendations, send impressions and clicks through /v1/events and see
// the results page count the exposures and metrics from them, then ship the treatment and read the
// new rule-set version. A viewer's crafted tRPC mutation is refused by the server.
import { createHash, randomBytes } from "node:crypto";
import { DEMO_API_KEY, DEMO_CONSOLE_EMAIL, DEMO_CONSOLE_PASSWORD } from "@cascade/core";
import { expect, type Page, test } from "@playwright/test";
import pg from "pg";

const databaseUrl = process.env.E2E_DATABASE_URL;
const engineUrl = process.env.E2E_ENGINE_URL;
if (!databaseUrl || !engineUrl) throw new Error("E2E_DATABASE_URL / E2E_ENGINE_URL are not set (playwright.config.ts sets them)");

const auth = { authorization: `Bearer ${DEMO_API_KEY}`, "content-type": "application/json" };
const runId = Date.now().toString(36);
const KEY = `e2e-exp-${runId}`;
/** Tiny demo world users (numbered from user-00000). */
const USERS = Array.from({ length: 16 }, (_, index) => `user-${String(index).padStart(5, "0")}`);
/** The engine re-reads running experiments at once after a change; events pass through the stream consumers. */
const ENGINE_TIMEOUT_MS = 60_000;

let db: pg.Pool;

test.describe.configure({ mode: "serial" });

/** Stops this file's experiments still running (a failed run leaves one, which would take the surface's traffic in the next). */
async function stopLeftovers(prefix: string): Promise<void> {
  const response = await fetch(new URL("/v1/admin/experiments?status=running", engineUrl), { headers: auth });
  const { experiments } = (await response.json()) as { experiments: { id: string; key: string }[] };
  for (const experiment of experiments.filter((candidate) => candidate.key.startsWith(prefix)))
    expect((await fetch(new URL(`/v1/admin/experiments/${experiment.id}/stop`, engineUrl), { method: "POST", headers: auth, body: "{}" })).status).toBe(200);
}

test.beforeAll(async () => {
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  await stopLeftovers("e2e-exp-");
});

test.afterAll(async () => {
  await stopLeftovers(KEY);
  await db?.end();
});

async function signInTo(page: Page, path: string, heading: string): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(path)}`);
  await page.getByLabel("Email").fill(DEMO_CONSOLE_EMAIL);
  await page.getByLabel("Password").fill(DEMO_CONSOLE_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  // The first sign-in after the server starts waits for the session lookup and the page's first render.
  await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible({ timeout: 30_000 });
}

type Served = {
  requestId: string;
  experiment: string | null;
  variant: string | null;
  items: { itemId: string; position: number }[];
  degradedCauses?: unknown[];
};

async function recommend(userId: string): Promise<Served> {
  const response = await fetch(new URL("/v1/recommendations", engineUrl), {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ userId, surface: "home", count: 5 }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Served;
}

/** A page with items (a degraded empty page is asked again, a few times). */
async function recommendSome(userId: string): Promise<Served> {
  let response = await recommend(userId);
  for (let attempt = 0; attempt < 3 && response.items.length === 0; attempt++) response = await recommend(userId);
  expect(response.items.length, `${userId} was served an empty page`).toBeGreaterThan(0);
  return response;
}

async function sendEvents(events: Record<string, unknown>[]): Promise<void> {
  const response = await fetch(new URL("/v1/events", engineUrl), { method: "POST", headers: auth, body: JSON.stringify({ events }) });
  expect(response.status).toBeLessThan(300);
  const body = (await response.json()) as { rejected: number };
  expect(body.rejected).toBe(0);
}

async function experimentRow(key: string): Promise<{ id: string; status: string } | undefined> {
  const { rows } = await db.query<{ id: string; status: string }>("SELECT id, status::text FROM experiments WHERE key = $1", [key]);
  return rows[0];
}

/** The home surface's published maxCandidates; the treatment asks for one more, so it always differs. */
async function publishedMaxCandidates(): Promise<number> {
  const { rows } = await db.query<{ max_candidates: number | null }>(
    "SELECT (config->>'maxCandidates')::int AS max_candidates FROM rule_sets WHERE surface_id = 'home' AND status = 'published'",
  );
  return rows[0]?.max_candidates ?? 500;
}

async function fillWizard(page: Page, key: string, maxCandidates: number): Promise<void> {
  const basics = page.getByRole("region", { name: "1. Basics" });
  await basics.getByLabel("Key", { exact: true }).fill(key);
  await basics.getByLabel("Name", { exact: true }).fill(`E2E ${key}`);
  await expect(basics.getByLabel("Seed (hash salt)")).toHaveValue(key);
  const treatment = page.getByTestId("variant-1");
  await treatment.getByLabel("Overrides (JSON)").fill(JSON.stringify({ maxCandidates }));
  // The diff against the published config shows what the variant changes.
  await expect(treatment.getByTestId("variant-diff-line")).toHaveText([new RegExp(`^~ maxCandidates: \\d+ → ${maxCandidates}$`)]);
}

test("create → start → engine assigns both variants → results count exposures and clicks → ship", async ({ page }) => {
  test.setTimeout(300_000);
  await signInTo(page, "/experiments/new", "New experiment");
  const published = await publishedMaxCandidates();
  const treatmentMax = published >= 4000 ? 321 : published + 1;
  await fillWizard(page, KEY, treatmentMax);
  // A power estimate for the primary metric (CTR) at the default inputs.
  await expect(page.getByTestId("power-result")).toHaveAttribute("data-users-per-variant", /^\d+$/);
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Experiment" })).toBeVisible();
  const detail = page.getByTestId("experiment-detail");
  await expect(detail).toHaveAttribute("data-status", "draft");
  const stored = await experimentRow(KEY);
  expect(stored).toMatchObject({ status: "draft" });
  await expect(detail).toHaveAttribute("data-experiment-id", stored!.id);

  // The list shows it, filtered by status.
  await page.goto("/experiments?status=draft");
  await expect(page.getByRole("table", { name: "Experiments" }).getByRole("link", { name: `E2E ${KEY}` })).toBeVisible();
  await page.goto("/experiments?status=stopped");
  await expect(page.getByRole("table", { name: "Experiments" }).getByRole("link", { name: `E2E ${KEY}` })).toHaveCount(0);

  await page.goto(`/experiments/${stored!.id}`);
  await page.getByRole("button", { name: "Start experiment" }).click();
  await page
    .getByRole("dialog", { name: `Start ${KEY}?` })
    .getByRole("button", { name: "Start" })
    .click();
  await expect(detail).toHaveAttribute("data-status", "running");
  expect((await experimentRow(KEY))?.status).toBe("running");

  // The engine serves under the experiment: every user gets a variant, and both variants occur.
  // One user first, until the engine has loaded the experiment; then each user once, one at a time
  // (a burst on the loaded 2-core machine can time stages out into empty, degraded pages).
  await expect.poll(async () => (await recommend(USERS[0]!)).experiment, { timeout: ENGINE_TIMEOUT_MS, intervals: [500, 1_000, 2_000] }).toBe(KEY);
  const served = new Map<string, Served>();
  for (const user of USERS) served.set(user, await recommendSome(user));
  expect([...served.values()].map((response) => response.experiment)).toEqual(USERS.map(() => KEY));
  const variants = new Set([...served.values()].map((response) => response.variant));
  expect([...variants].sort()).toEqual(["control", "treatment"]);
  // Deterministic: asking again gives each user the same variant.
  const again = await recommend(USERS[0]!);
  expect(again.variant).toBe(served.get(USERS[0]!)!.variant);

  // Each user sees their items and clicks the first one.
  const now = new Date().toISOString();
  const events = [...served.entries()].flatMap(([userId, response]) => [
    ...response.items.map((item) => ({
      eventId: `${runId}-imp-${userId}-${item.itemId}`,
      type: "impression",
      userId,
      itemId: item.itemId,
      requestId: response.requestId,
      position: item.position,
      surface: "home",
      timestamp: now,
    })),
    ...(response.items[0]
      ? [
          {
            eventId: `${runId}-click-${userId}`,
            type: "click",
            userId,
            itemId: response.items[0].itemId,
            requestId: response.requestId,
            surface: "home",
            timestamp: now,
          },
        ]
      : []),
  ]);
  await sendEvents(events);
  const clicks = events.filter((event) => event.type === "click").length;

  // The results page counts exposures per variant and the clicks the consumer logged.
  const perVariant = (variant: string) => [...served.values()].filter((response) => response.variant === variant).length;
  await expect(page.getByTestId("experiment-results")).toBeVisible();
  await expect
    .poll(
      async () => {
        await page.getByRole("button", { name: "Refresh" }).click();
        await expect(page.getByRole("button", { name: "Refresh" })).toBeEnabled({ timeout: 30_000 });
        const cells = page.getByTestId("metric-row-clicks").locator("td[data-variant]");
        const totals = await cells.evaluateAll((tds) => tds.map((td) => Number(td.getAttribute("data-total") || 0)));
        return {
          control: await page.getByTestId("exposures-control").getAttribute("data-value"),
          treatment: await page.getByTestId("exposures-treatment").getAttribute("data-value"),
          clicks: totals.reduce((sum, value) => sum + value, 0),
        };
      },
      { timeout: ENGINE_TIMEOUT_MS, intervals: [1_000, 2_000, 3_000] },
    )
    .toEqual({ control: String(perVariant("control")), treatment: String(perVariant("treatment")), clicks });
  // Every user clicked once: one click per exposed user in both arms.
  await expect(page.getByTestId("metric-row-clicks").locator('td[data-variant="control"]')).toHaveAttribute("data-value", "1");
  await expect(page.getByTestId("comparison-treatment")).toBeVisible();
  // CUPED off asks the engine again without the adjustment.
  await page.getByTestId("cuped-toggle").uncheck();
  await expect(page.getByTestId("results-body")).toHaveAttribute("data-cuped", "false");

  // The feed debugger previews a user under the treatment variant.
  await page.goto(`/feed?user=${USERS[0]}&surface=home&count=5&variant=${KEY}:treatment`);
  await expect(page.getByTestId("config-source")).toHaveText(`variant treatment of ${KEY}`, { timeout: 30_000 });

  // Ship the treatment: a new published rule-set version holding its config; the experiment stops.
  const before = await db.query<{ version: number }>("SELECT max(version) AS version FROM rule_sets WHERE surface_id = 'home'");
  await page.goto(`/experiments/${stored!.id}`);
  await page.getByRole("combobox", { name: "Variant to ship" }).selectOption("treatment");
  await page.getByRole("button", { name: "Ship variant" }).click();
  await page.getByRole("dialog", { name: "Ship treatment?" }).getByRole("button", { name: "Ship" }).click();
  const message = page.getByTestId("ship-message");
  await expect(message).toContainText(/published as rule set v\d+ of home/);
  const version = Number(/rule set v(\d+)/.exec((await message.textContent()) ?? "")![1]);
  expect(version).toBeGreaterThan(before.rows[0]!.version);
  const shipped = await db.query<{ version: number; config: { maxCandidates: number } }>(
    "SELECT version, config FROM rule_sets WHERE surface_id = 'home' AND status = 'published'",
  );
  expect(shipped.rows).toMatchObject([{ version, config: { maxCandidates: treatmentMax } }]);
  await expect(detail).toHaveAttribute("data-status", "shipped");
  await expect(page.getByTestId("experiment-facts")).toContainText("shipped treatment");
  await expect(page.getByRole("button", { name: "Ship variant" })).toHaveCount(0); // ships once
});

test("the engine's refusal of a duplicate key shows next to the Key field", async ({ page }) => {
  await signInTo(page, "/experiments/new", "New experiment");
  await fillWizard(page, KEY, (await publishedMaxCandidates()) + 1);
  await page.getByRole("button", { name: "Create draft" }).click();
  const basics = page.getByRole("region", { name: "1. Basics" });
  await expect(page.getByTestId("wizard-refusal")).toBeVisible();
  await expect(basics.getByTestId("field-issues").filter({ has: page.locator('[data-path="key"]') })).toContainText(`"${KEY}" already exists`);
  await expect(basics.getByLabel("Key", { exact: true })).toHaveAttribute("aria-invalid", "true");
});

test("a viewer reads experiments but the server refuses their mutations", async ({ page, playwright }) => {
  const token = randomBytes(24).toString("base64url");
  const email = `viewer-${runId}@cascade.local`;
  const { rows } = await db.query<{ id: string }>(
    "INSERT INTO console_users (id, email, name, password_hash, role) VALUES ($1, $2, 'E2E viewer', 'scrypt$unused', 'viewer') RETURNING id",
    [`viewer-${runId}`, email],
  );
  await db.query("INSERT INTO console_sessions (id, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')", [
    createHash("sha256").update(token).digest("hex"),
    rows[0]!.id,
  ]);
  const draft = await fetch(new URL("/v1/admin/experiments", engineUrl), {
    method: "POST",
    headers: auth,
    body: JSON.stringify({
      key: `${KEY}-viewer`,
      surface: "home",
      seed: `${KEY}-viewer`,
      variants: [
        { key: "control", weight: 0.5, isControl: true },
        { key: "treatment", weight: 0.5 },
      ],
    }),
  });
  expect(draft.status).toBe(201);
  const { id } = (await draft.json()) as { id: string };

  const baseURL = test.info().project.use.baseURL!;
  const viewer = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { cookie: `cascade_session=${token}` } });
  const list = await viewer.get(`/api/trpc/experiment.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`);
  expect(list.status()).toBe(200);
  const start = await viewer.post("/api/trpc/experiment.start", { data: { json: { id } } });
  expect(start.status()).toBe(403);
  expect(await start.text()).toContain("needs the admin or data scientist role");
  expect((await experimentRow(`${KEY}-viewer`))?.status).toBe("draft");
  await viewer.dispose();

  // The page hides the controls too.
  await page.context().addCookies([{ name: "cascade_session", value: token, url: baseURL }]);
  await page.goto(`/experiments/${id}`);
  await expect(page.getByTestId("experiment-detail")).toBeVisible();
  await expect(page.getByRole("button", { name: "Start experiment" })).toHaveCount(0);
  await expect(page.getByText("Only data scientists and admins run experiments.")).toBeVisible();
});

test("a biasing edit of a running experiment is refused until saved as a new phase; a stopped variant shows its reason", async ({ page }) => {
  test.setTimeout(120_000);
  const key = `${KEY}-phase`;
  const created = await fetch(new URL("/v1/admin/experiments", engineUrl), {
    method: "POST",
    headers: auth,
    body: JSON.stringify({
      key,
      surface: "home",
      seed: key,
      variants: [
        { key: "control", weight: 0.4, isControl: true },
        { key: "fewer", weight: 0.3, overrides: { maxCandidates: 200 } },
        { key: "more", weight: 0.3, overrides: { maxCandidates: 800 } },
      ],
    }),
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  expect((await fetch(new URL(`/v1/admin/experiments/${id}/start`, engineUrl), { method: "POST", headers: auth, body: "{}" })).status).toBe(200);

  await signInTo(page, `/experiments/${id}/edit`, "Edit experiment");
  // Re-weighting moves assigned users between variants: the engine refuses it on a running experiment.
  await page.getByTestId("variant-0").getByLabel("Weight").fill("0.5");
  await page.getByTestId("variant-1").getByLabel("Weight").fill("0.2");
  await page.getByRole("button", { name: "Save changes" }).click();
  const refusal = page.getByTestId("wizard-refusal");
  await expect(refusal).toContainText("The engine refused this change to the running experiment");
  const { rows: before } = await db.query<{ phase: number }>("SELECT phase FROM experiments WHERE id = $1", [id]);
  expect(before[0]!.phase).toBe(1);

  await refusal.getByRole("button", { name: "Save as new phase" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Experiment" })).toBeVisible();
  await expect(page.getByTestId("experiment-facts")).toContainText("phase 2");
  const { rows: after } = await db.query<{ phase: number; weights: number[] }>(
    "SELECT e.phase, array_agg(v.weight ORDER BY v.key) AS weights FROM experiments e JOIN experiment_variants v ON v.experiment_id = e.id WHERE e.id = $1 GROUP BY e.phase",
    [id],
  );
  // Variants in key order: control, fewer, more.
  expect(after[0]).toEqual({ phase: 2, weights: [0.5, 0.2, 0.3] });

  await page.getByRole("button", { name: "Stop variant fewer" }).click();
  const dialog = page.getByRole("dialog", { name: "Stop variant fewer?" });
  await expect(dialog.getByRole("button", { name: "Stop variant" })).toBeDisabled();
  await dialog.getByLabel("Reason").fill("e2e: fewer candidates hurt the feed");
  await dialog.getByRole("button", { name: "Stop variant" }).click();
  await expect(page.getByTestId("variant-stopped-fewer")).toContainText("e2e: fewer candidates hurt the feed");
  await expect(page.getByTestId("stopped-variants")).toContainText("fewer was stopped");
  await expect(page.getByTestId("experiment-detail")).toHaveAttribute("data-status", "running");
  const { rows: stopped } = await db.query<{ stop_reason: string | null }>(
    "SELECT stop_reason FROM experiment_variants WHERE experiment_id = $1 AND key = 'fewer'",
    [id],
  );
  expect(stopped[0]!.stop_reason).toBe("e2e: fewer candidates hurt the feed");
});
