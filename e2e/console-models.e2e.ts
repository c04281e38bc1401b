// The Models page against a real engine: external ONNX rankers are built here with the engine's own
// exporter, registered through the form, promoted and rolled back from the UI, and the engine's
// /v1/health must end up serving what the registry says is active. Registry state is checked in
// the database with pg; the refusal message is checked against what the engine itself answers.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_API_KEY, DEMO_CONSOLE_EMAIL, DEMO_CONSOLE_PASSWORD } from "@cascade/core";
import { expect, type Locator, type Page, test } from "@playwright/test";
import pg from "pg";
import { createMultiTaskRanker } from "../apps/engine/src/ranking/multiTaskRanker.ts";
import { exportRankerToOnnx } from "../apps/engine/src/training/ranker/onnxExport.ts";

const databaseUrl = process.env.E2E_DATABASE_URL;
const engineUrl = process.env.E2E_ENGINE_URL;
if (!databaseUrl || !engineUrl) throw new Error("E2E_DATABASE_URL / E2E_ENGINE_URL are not set (playwright.config.ts sets them)");

const OUTPUTS = ["p_click", "p_like", "watch_seconds"];
/** A hot-swap is a NOTIFY plus an artifact load; generous for a loaded 2-core machine. */
const SWAP_TIMEOUT_MS = 45_000;
const runId = Date.now().toString(36);

let db: pg.Pool;
let fixtureDir: string;
let features: string[];
const fixtures = { first: "", second: "", narrow: "" };

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // Four numeric features from the registry the engine synced at boot.
  const { rows } = await db.query<{ name: string }>("SELECT name FROM feature_definitions WHERE value_type = 'number' ORDER BY name LIMIT 4");
  features = rows.map((row) => row.name);
  expect(features).toHaveLength(4);

  fixtureDir = mkdtempSync(join(tmpdir(), "cascade-models-e2e-"));
  const write = (file: string, featureNames: readonly string[], seed: number) => {
    const path = join(fixtureDir, file);
    writeFileSync(path, exportRankerToOnnx(createMultiTaskRanker({ featureNames, hiddenSizes: [8], seed }), { modelName: file }));
    return path;
  };
  fixtures.first = write("first.onnx", features, 1);
  fixtures.second = write("second.onnx", features, 2);
  // Three input columns, to be declared with four features: the engine must refuse it.
  fixtures.narrow = write("narrow.onnx", features.slice(0, 3), 3);
});

test.afterAll(async () => {
  await db?.end();
  if (fixtureDir) rmSync(fixtureDir, { recursive: true, force: true });
});

async function signInTo(page: Page, path: string): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(path)}`);
  await page.getByLabel("Email").fill(DEMO_CONSOLE_EMAIL);
  await page.getByLabel("Password").fill(DEMO_CONSOLE_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Models" })).toBeVisible();
}

type VersionRow = { id: string; kind: string; version: number; status: string; features: string[]; outputs: string[] };

async function versionNamed(name: string): Promise<VersionRow | undefined> {
  const { rows } = await db.query<VersionRow>("SELECT id, kind::text, version, status::text, features, outputs FROM model_versions WHERE name = $1", [name]);
  return rows[0];
}

async function statusOf(id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ status: string }>("SELECT status::text FROM model_versions WHERE id = $1", [id]);
  return rows[0]?.status;
}

async function servedRankerId(): Promise<string | null> {
  const response = await fetch(new URL("/v1/health", engineUrl));
  const body = (await response.json()) as { models?: { ranker?: { id?: string } | null } };
  return body.models?.ranker?.id ?? null;
}

function rankerRow(page: Page, id: string): Locator {
  return page.getByRole("table", { name: "Ranker versions" }).locator(`tr[data-row-key="${id}"]`);
}

async function fillRegistration(page: Page, file: string, name: string, featureList: readonly string[]): Promise<void> {
  const form = page.getByRole("form", { name: "Register external ranker" });
  await form.getByLabel("ONNX file").setInputFiles(file);
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Input features, in column order").fill(featureList.join(", "));
  await form.getByLabel("Outputs").fill(OUTPUTS.join(", "));
  await form.getByRole("button", { name: "Register" }).click();
}

async function register(page: Page, file: string, name: string): Promise<VersionRow> {
  await fillRegistration(page, file, name, features);
  await expect(page.getByTestId("toast").filter({ hasText: "Registered external ranker" }).filter({ hasText: name })).toBeVisible();
  const row = await versionNamed(name);
  expect(row).toMatchObject({ kind: "external_ranker", status: "candidate", features, outputs: OUTPUTS });
  await expect(rankerRow(page, row!.id).getByTestId("model-status")).toHaveAttribute("data-status", "candidate");
  return row!;
}

async function promoteInUi(page: Page, row: VersionRow): Promise<void> {
  await rankerRow(page, row.id)
    .getByRole("button", { name: `Promote external ranker v${row.version}` })
    .click();
  const dialog = page.getByRole("dialog", { name: `Promote external ranker v${row.version}?` });
  await dialog.getByRole("button", { name: "Promote" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("toast").filter({ hasText: `Promoted external ranker v${row.version}` })).toBeVisible();
}

async function expectServed(page: Page, id: string): Promise<void> {
  await expect.poll(servedRankerId, { timeout: SWAP_TIMEOUT_MS, intervals: [500, 1000, 2000] }).toBe(id);
  // The page's engine card catches up on its own (it polls while a promotion is pending).
  const card = page.getByTestId("serving-ranker");
  await expect(card).toHaveAttribute("data-served-id", id, { timeout: 20_000 });
  await expect(card).toHaveAttribute("data-state", "in_sync");
}

test("register two external rankers, promote one, promote the other, roll back: the engine follows", async ({ page }) => {
  await signInTo(page, "/models");
  const first = await register(page, fixtures.first, `e2e external ${runId} first`);
  const second = await register(page, fixtures.second, `e2e external ${runId} second`);
  await expect(rankerRow(page, first.id).getByTestId("model-features")).toContainText(`${features.length} features`);

  await promoteInUi(page, first);
  await expect(rankerRow(page, first.id).getByTestId("model-status")).toHaveAttribute("data-status", "active");
  expect(await statusOf(first.id)).toBe("active");
  await expectServed(page, first.id);

  await promoteInUi(page, second);
  await expect(rankerRow(page, second.id).getByTestId("model-status")).toHaveAttribute("data-status", "active");
  await expect(rankerRow(page, first.id).getByTestId("model-status")).toHaveAttribute("data-status", "retired");
  expect([await statusOf(first.id), await statusOf(second.id)]).toEqual(["retired", "active"]);
  await expectServed(page, second.id);

  // Roll back: the most recently retired version (the first) serves again.
  await page.getByTestId("model-slot-ranker").getByRole("button", { name: "Roll back ranker" }).click();
  const dialog = page.getByRole("dialog", { name: "Roll back the ranker?" });
  await expect(dialog).toContainText(`external ranker v${first.version}`);
  await dialog.getByRole("button", { name: "Roll back" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: `Rolled back to external ranker v${first.version}` })).toBeVisible();
  await expect(rankerRow(page, first.id).getByTestId("model-status")).toHaveAttribute("data-status", "active");
  await expect(rankerRow(page, second.id).getByTestId("model-status")).toHaveAttribute("data-status", "retired");
  expect([await statusOf(first.id), await statusOf(second.id)]).toEqual(["active", "retired"]);
  await expectServed(page, first.id);
});

test("a model whose input width does not match the feature list is refused with the engine's message", async ({ page }) => {
  const name = `e2e external ${runId} narrow`;
  // What the engine itself says about this upload (a refusal registers nothing).
  const direct = await fetch(new URL("/v1/admin/models/external-rankers", engineUrl), {
    method: "POST",
    headers: { authorization: `Bearer ${DEMO_API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({
      name,
      features,
      outputs: OUTPUTS,
      onnxBase64: readFileSync(fixtures.narrow).toString("base64"),
    }),
  });
  expect(direct.status).toBe(400);
  const engineMessage = ((await direct.json()) as { error: { message: string } }).error.message;
  expect(engineMessage).toContain("3");

  await signInTo(page, "/models");
  await fillRegistration(page, fixtures.narrow, name, features);
  await expect(page.getByTestId("register-error")).toContainText(engineMessage);
  // The form keeps what was typed, so the user can fix the list and resubmit.
  await expect(page.getByLabel("Name")).toHaveValue(name);
  expect(await versionNamed(name)).toBeUndefined();
});

test("feature names outside the registry are flagged before anything is sent", async ({ page }) => {
  await signInTo(page, "/models");
  const form = page.getByRole("form", { name: "Register external ranker" });
  await form.getByLabel("Input features, in column order").fill(`${features[0]}, not_a_registry_feature`);
  await expect(form.getByTestId("external-ranker-features-error")).toHaveText("Not in the feature registry: not_a_registry_feature.");
  await expect(form.getByRole("button", { name: "Register" })).toBeDisabled();
});

test("offline metrics: rates share a 0–1 chart, other metrics get their own axes, and every baseline column is reachable at 1280px", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const baselineNames = ["popularity", "item-knn cooccurrence", "logistic regression", "recency"];
  const metricsFor = (shift: number) => ({
    ranking: { auc: 0.7 + shift, logLoss: 0.41, "ndcg@10": 0.31 + shift },
    eval: { users: 240 },
    latencyMs: 3.5,
    baselines: Object.fromEntries(
      baselineNames.map((name, index) => [
        name,
        { ranking: { auc: 0.55 + index * 0.02, logLoss: 0.6 - index * 0.01, "ndcg@10": 0.2 + index * 0.01 }, eval: { users: 240 } },
      ]),
    ),
  });
  // Two candidate rankers with four baselines each: ten columns, the width that used to hide baselines.
  const inserted: { id: string; version: number }[] = [];
  for (const [index, shift] of [0, 0.02].entries()) {
    const { rows } = await db.query<{ id: string; version: number }>(
      `INSERT INTO model_versions (id, kind, version, name, status, artifact_path, artifact_digest, metrics)
       VALUES ($1, 'ranker', (SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE kind = 'ranker'), $2, 'candidate', 'e2e/none.onnx', 'sha256:e2e', $3::jsonb)
       RETURNING id, version`,
      [`e2e-metrics-${runId}-${index}`, `e2e metrics ${runId} ${index}`, JSON.stringify(metricsFor(shift))],
    );
    inserted.push(rows[0]!);
  }
  try {
    await signInTo(page, `/models?compare=${inserted.map((row) => row.id).join(",")}`);
    const card = page.getByTestId("metrics-comparison");

    const rates = card.getByTestId("metrics-chart");
    await expect(rates).toContainText("ranking.auc");
    await expect(rates).toContainText("ranking.ndcg@10");
    await expect(rates).not.toContainText("logLoss");
    await expect(rates).not.toContainText("eval.users");
    const others = card.getByTestId("metrics-chart-other");
    for (const metric of ["ranking.logLoss", "eval.users", "latencyMs"]) await expect(others.locator(`[data-metric="${metric}"]`)).toHaveCount(1);
    await expect(others.locator('[data-metric="ranking.auc"]')).toHaveCount(0);

    // One ranker and its four baselines: the headers wrap and every column fits at 1280px.
    await page.goto(`/models?compare=${inserted[0]!.id}`);
    const table = card.getByTestId("metrics-table");
    await expect(table.locator("th[data-series]")).toHaveCount(1 + baselineNames.length);
    const overflow = () => table.evaluate((element) => element.parentElement!.scrollWidth - element.parentElement!.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);

    // Both (ten columns): the table scrolls inside the card, never past it, every baseline column
    // can be scrolled to with its whole name, and the metric names stay pinned on the left.
    await page.goto(`/models?compare=${inserted.map((row) => row.id).join(",")}`);
    await expect(table.locator("th[data-series]")).toHaveCount(inserted.length * (1 + baselineNames.length));
    const cardBox = (await card.boundingBox())!;
    expect(cardBox.x + cardBox.width).toBeLessThanOrEqual(1280);
    const metricName = table.locator('tr[data-metric="ranking.auc"] td').first();
    for (const row of inserted) {
      for (const name of baselineNames) {
        const header = card.locator(`th[data-series="${row.id}:${name}"]`);
        await expect(header).toHaveText(`${name} (baseline of ranker v${row.version})`);
        await header.scrollIntoViewIfNeeded();
        const box = (await header.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(cardBox.x);
        expect(box.x + box.width).toBeLessThanOrEqual(cardBox.x + cardBox.width + 1);
        const pinned = (await metricName.boundingBox())!;
        expect(pinned.x).toBeGreaterThanOrEqual(cardBox.x);
        expect(pinned.x + pinned.width).toBeLessThanOrEqual(box.x + 1);
      }
    }
    await card.screenshot({ path: test.info().outputPath("metrics-comparison-1280.png") });
  } finally {
    await db.query("DELETE FROM model_versions WHERE id = ANY($1)", [inserted.map((row) => row.id)]);
  }
});
