#!/usr/bin/env node
// Runs the Prisma CLI without network access. Prisma 6's CLI insists on locating (and otherwise
// downloading) native schema/query engines at startup even though we only use commands that run
// on its WebAssembly engines (`generate` for the engineType="client" generator and `migrate diff`).
// Pointing the engine paths at a harmless executable satisfies that check; see
// ../shared/ENVIRONMENT.md. Migrations are applied by our own runner (packages/db/src/migrate.ts).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const prismaCli = require.resolve("prisma/build/index.js");
const result = spawnSync(process.execPath, [prismaCli, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY ?? "/bin/true",
    PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
process.exit(result.status ?? 1);
