import { createRequire } from "node:module";

/** The engine package's version, reported by /v1/health and the CLI. */
export const ENGINE_VERSION: string = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
