// End-to-end tests. `console` drives the console in Debian's chromium (never a downloaded
// browser); `engine-api` calls the engine over HTTP. Both run against one `cascade start` on a
// fresh E2E database loaded with the tiny demo world (scripts/e2e-server.ts).
import { defineConfig } from "@playwright/test";

// Ports, database and Redis database come from the environment (today's values by default), so two
// checkouts can run their suites side by side on one machine.
const E2E_DATABASE_URL = process.env.E2E_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/cascade_e2e";
const E2E_REDIS_URL = process.env.E2E_REDIS_URL ?? "redis://127.0.0.1:6379/14";
const CONSOLE_PORT = process.env.E2E_CONSOLE_PORT ?? "3100";
const ENGINE_PORT = process.env.E2E_ENGINE_PORT ?? "4100";
const CONSOLE_URL = `http://127.0.0.1:${CONSOLE_PORT}`;
const ENGINE_URL = `http://127.0.0.1:${ENGINE_PORT}`;
process.env.E2E_DATABASE_URL = E2E_DATABASE_URL;
process.env.E2E_ENGINE_URL = ENGINE_URL;

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.e2e.ts",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  projects: [
    {
      name: "console",
      testMatch: "**/console*.e2e.ts",
      use: {
        baseURL: CONSOLE_URL,
        browserName: "chromium",
        trace: "retain-on-failure",
        screenshot: "only-on-failure",
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        },
      },
    },
    { name: "engine-api", testMatch: "**/engine*.e2e.ts", use: { baseURL: ENGINE_URL } },
  ],
  webServer: {
    command: "npx tsx scripts/e2e-server.ts",
    url: `${CONSOLE_URL}/login`,
    timeout: 600_000,
    reuseExistingServer: !process.env.CI,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    env: {
      E2E_DATABASE_URL,
      DATABASE_URL: E2E_DATABASE_URL,
      REDIS_URL: E2E_REDIS_URL,
      ENGINE_PORT,
      CONSOLE_PORT,
      CASCADE_DEMO_SIZE: "tiny",
      // The model specs promote and roll back versions themselves; a background demo training
      // promoting its own versions mid-test would race them.
      CASCADE_DEMO_TRAIN: "false",
      LOG_LEVEL: "warn",
    },
  },
});
