// Playwright's web server: a fresh E2E database every run, then the real `cascade start`
// (which migrates it, loads the tiny demo world, and serves engine + console).
import { spawn } from "node:child_process";
import pg from "pg";
import { cascadeSpawnArgs } from "../apps/engine/src/platform/engineCommand.ts";

const databaseUrl = process.env.E2E_DATABASE_URL;
if (!databaseUrl) throw new Error("E2E_DATABASE_URL is not set");

const url = new URL(databaseUrl);
const name = url.pathname.slice(1);
url.pathname = "/postgres";
const admin = new pg.Client({ connectionString: url.toString() });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
await admin.query(`CREATE DATABASE "${name}"`);
await admin.end();

const child = spawn(process.execPath, cascadeSpawnArgs(["start"]), { stdio: "inherit", env: process.env });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
