// Console hardening and operator pages (issue 13): security headers on every response (no page can
// be framed), API keys (created with scopes, shown once, revoked), console users and roles, the
// audit page, and the server refusing a viewer's crafted tRPC mutations.
import { createHash, randomBytes } from "node:crypto";
import { DEMO_CONSOLE_EMAIL, DEMO_CONSOLE_PASSWORD } from "@cascade/core";
import { expect, type Page, test } from "@playwright/test";
import pg from "pg";

const databaseUrl = process.env.E2E_DATABASE_URL;
const engineUrl = process.env.E2E_ENGINE_URL;
if (!databaseUrl || !engineUrl) throw new Error("E2E_DATABASE_URL / E2E_ENGINE_URL are not set (playwright.config.ts sets them)");
const runId = randomBytes(4).toString("hex");

let db: pg.Pool;
test.beforeAll(() => {
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
});
test.afterAll(async () => {
  await db.end();
});

async function signInAsAdmin(page: Page): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(DEMO_CONSOLE_EMAIL);
  await page.getByLabel("Password").fill(DEMO_CONSOLE_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

async function recommendWith(key: string): Promise<number> {
  const response = await fetch(new URL("/v1/recommendations", engineUrl), {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ userId: "user-00001", count: 3 }),
  });
  return response.status;
}

test.describe("security headers", () => {
  test("every kind of console response carries the security headers, and no HSTS over plain HTTP", async ({ request }) => {
    for (const path of ["/login", "/", "/api/trpc/overview.get", "/icon.svg"]) {
      const response = await request.get(path, { maxRedirects: 0 });
      const headers = response.headers();
      expect(headers["content-security-policy"], path).toContain("frame-ancestors 'none'");
      expect(headers["content-security-policy"], path).toContain("default-src 'self'");
      // A production build: inline scripts (Next's bootstrap) yes, eval no.
      expect(headers["content-security-policy"], path).not.toContain("unsafe-eval");
      expect(headers["x-frame-options"], path).toBe("DENY");
      expect(headers["x-content-type-options"], path).toBe("nosniff");
      expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
      expect(headers["permissions-policy"], path).toContain("camera=()");
      expect(headers["strict-transport-security"], path).toBeUndefined();
    }
  });

  test("a console page cannot be framed by another site, and still renders and hydrates under its CSP", async ({ page, baseURL }) => {
    const cspErrors: string[] = [];
    page.on("pageerror", (error) => cspErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error" && /Content Security Policy/i.test(message.text())) cspErrors.push(message.text());
    });
    // A page of another origin that frames the login page. Its load event waits for the frame, which
    // fires for a refused frame too (Chromium shows its error page inside).
    await page.setContent(`<iframe id="victim" src="${baseURL}/login"></iframe>`, { waitUntil: "load" });
    const victim = page.frames().find((frame) => frame !== page.mainFrame());
    expect(victim, "the iframe exists").toBeDefined();
    expect(victim!.url()).not.toBe(`${baseURL}/login`);
    await expect(page.frameLocator("#victim").getByLabel("Email")).toHaveCount(0);

    // The same page opened directly renders and hydrates (Next's inline scripts run): signing in works,
    // with no CSP error (the refused framing above reported one, as it should).
    cspErrors.length = 0;
    await page.goto("/login");
    await page.getByLabel("Email").fill(DEMO_CONSOLE_EMAIL);
    await page.getByLabel("Password").fill(DEMO_CONSOLE_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).not.toHaveURL(/\/login/);
    await expect(page.getByRole("navigation").getByRole("link", { name: "API keys" })).toBeVisible();
    expect(cspErrors).toEqual([]);
  });
});

test("an admin creates a scoped API key (secret shown once), the engine accepts it, revoking it is refused within seconds, the audit page lists both", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const name = `e2e key ${runId}`;
  await signInAsAdmin(page);
  await page.goto("/api-keys");
  await page.getByLabel("Key name").fill(name);
  // recommend is checked by default; add ingest.
  await page.getByRole("checkbox", { name: /^ingest/ }).check();
  await page.getByRole("button", { name: "Create key" }).click();
  const secretLocator = page.getByTestId("new-key-value");
  await expect(secretLocator).toHaveText(/^csk_[a-f0-9]{12}_[a-f0-9]{32}$/);
  const secret = (await secretLocator.textContent())!;
  const prefix = secret.split("_")[1]!;
  const { rows } = await db.query<{ scopes: string[]; hashed_key: string }>("SELECT scopes, hashed_key FROM api_keys WHERE prefix = $1", [prefix]);
  expect(rows[0]?.scopes.sort()).toEqual(["ingest", "recommend"]);
  expect(rows[0]?.hashed_key).toBe(createHash("sha256").update(secret).digest("hex")); // only the hash is stored
  expect(await recommendWith(secret)).toBe(200);

  // Shown once: after a reload the list has the key but the secret is nowhere on the page.
  await page.reload();
  const row = page.getByRole("table", { name: "API keys" }).locator(`tr[data-prefix="${prefix}"]`);
  await expect(row).toContainText(name);
  await expect(row).toContainText(/recommend, ingest|ingest, recommend/);
  await expect(row).toContainText("active");
  expect(await page.content()).not.toContain(secret.split("_")[2]!);

  await row.getByRole("button", { name: `Revoke ${name}` }).click();
  const dialog = page.getByRole("dialog", { name: `Revoke ${name}?` });
  await expect(dialog).toContainText("within seconds");
  await dialog.getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByTestId("api-keys-message")).toContainText(`Revoked ${prefix}`);
  await expect(row).toContainText("revoked");
  await expect.poll(() => recommendWith(secret), { timeout: 10_000, intervals: [250] }).toBe(401);

  await page.goto("/audit");
  await page.getByLabel("Entity type").selectOption("api_key");
  const audit = page.getByRole("table", { name: "Audit log" });
  await expect(audit.locator('tr[data-action="api_key.revoke"]').filter({ hasText: prefix })).toHaveCount(1);
  await expect(audit.locator('tr[data-action="api_key.create"]').filter({ hasText: prefix })).toHaveCount(1);
  await expect(audit.locator('tr[data-action="api_key.create"]').filter({ hasText: prefix })).toContainText(DEMO_CONSOLE_EMAIL);
  await page.getByLabel("Action").selectOption("api_key.revoke");
  await expect(audit.locator('tr[data-action="api_key.create"]')).toHaveCount(0);
});

test("an admin creates a console user and changes their role; the last admin cannot be demoted", async ({ page }) => {
  const email = `e2e-user-${runId}@cascade.local`;
  await signInAsAdmin(page);
  await page.goto("/users");
  const form = page.getByRole("form", { name: "Create a console user" });
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Name").fill("E2E Person");
  await form.getByLabel("Role").selectOption("viewer");
  await form.getByLabel(/Initial password/).fill("a long initial password");
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByTestId("users-message")).toContainText(`Created ${email}`);
  await page.getByLabel(`Role of ${email}`).selectOption("engineer");
  await expect(page.getByTestId("users-message")).toContainText(`${email} is now`);
  const { rows } = await db.query<{ role: string }>("SELECT role FROM console_users WHERE email = $1", [email]);
  expect(rows[0]?.role).toBe("engineer");

  // Demoting the only admin is refused by the server (the demo world has one admin).
  const admins = await db.query<{ count: string }>("SELECT count(*) FROM console_users WHERE role = 'admin'");
  expect(Number(admins.rows[0]?.count)).toBe(1);
  await page.getByLabel(`Role of ${DEMO_CONSOLE_EMAIL}`).selectOption("viewer");
  await expect(page.getByTestId("users-message")).toContainText("last admin");
  const demo = await db.query<{ role: string }>("SELECT role FROM console_users WHERE email = $1", [DEMO_CONSOLE_EMAIL]);
  expect(demo.rows[0]?.role).toBe("admin");
});

test("a viewer's crafted tRPC calls to keys, users and the audit log are refused by the server", async ({ playwright, baseURL }) => {
  const token = randomBytes(24).toString("base64url");
  const { rows } = await db.query<{ id: string }>(
    "INSERT INTO console_users (id, email, name, password_hash, role) VALUES ($1, $2, 'E2E viewer', 'scrypt$unused', 'viewer') RETURNING id",
    [`ops-viewer-${runId}`, `ops-viewer-${runId}@cascade.local`],
  );
  const viewerId = rows[0]!.id;
  await db.query("INSERT INTO console_sessions (id, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')", [
    createHash("sha256").update(token).digest("hex"),
    viewerId,
  ]);
  const keysBefore = await db.query<{ count: string }>("SELECT count(*) FROM api_keys");

  const viewer = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { cookie: `cascade_session=${token}` } });
  const create = await viewer.post("/api/trpc/apiKey.create", { data: { json: { name: "sneaky", scopes: ["admin"] } } });
  expect(create.status()).toBe(403);
  expect(await create.text()).toContain("needs the admin role");
  const promote = await viewer.post("/api/trpc/consoleUser.setRole", { data: { json: { id: viewerId, role: "admin" } } });
  expect(promote.status()).toBe(403);
  const list = await viewer.get("/api/trpc/apiKey.list");
  expect(list.status()).toBe(403);
  const audit = await viewer.get(`/api/trpc/audit.list?input=${encodeURIComponent(JSON.stringify({ json: { page: 1 } }))}`);
  expect(audit.status()).toBe(403);
  await viewer.dispose();

  expect((await db.query<{ role: string }>("SELECT role FROM console_users WHERE id = $1", [viewerId])).rows[0]?.role).toBe("viewer");
  expect((await db.query<{ count: string }>("SELECT count(*) FROM api_keys")).rows[0]?.count).toBe(keysBefore.rows[0]?.count);
});
