// Everything the HTTP app needs from the outside, built by the boot code (or a test) and passed to
// `buildApp`. The app never opens or closes these: whoever created them closes them after
// `app.close()`.
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import type { PopularityRanking } from "./recommend/popularityRanking.ts";
import type { OnlineStore } from "./stores/onlineStore.ts";

export type EngineInfo = {
  version: string;
  databaseMode: "embedded" | "external";
  storeMode: "memory" | "redis";
};

export type EngineDeps = {
  db: Database;
  store: OnlineStore;
  logger: Logger;
  info: EngineInfo;
  /** Largest accepted request body, in bytes (larger → 413). */
  bodyLimitBytes: number;
  /**
   * The popularity ranking to serve. Omitted → the app creates one on `db` and starts/stops it with
   * itself. Passed in → the caller owns its lifecycle (tests use this to refresh on demand).
   */
  popularityRanking?: PopularityRanking;
};
