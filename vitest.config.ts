// Test tiers by file suffix (see ../shared/DESIGN.md): *.test.ts are unit tests with no services;
// *.int.test.ts talk to real PostgreSQL and Redis. Playwright (*.e2e.ts) runs separately.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{apps,packages}/*/src/**/*.test.ts", "{apps,packages}/*/test/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/node_modules/**"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["{apps,packages}/*/src/**/*.int.test.ts", "{apps,packages}/*/test/**/*.int.test.ts"],
          globalSetup: ["./test/integration-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Integration files share one database; run them one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
