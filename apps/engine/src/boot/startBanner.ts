// What `cascade start` prints once everything listens: where things are, what serves (models,
// online features, background training) and, only when they work against this database, the demo
// credentials (demoCredentials.ts).
import type { OnlineFeaturesHealth, TrainingHealth } from "@cascade/core";
import { describeClock, type Clock } from "../platform/clock.ts";
import type { ActiveModelsStatus } from "../models/activeModels.ts";
import type { DemoCredentials } from "./demoCredentials.ts";

export type StartBannerInfo = {
  engineUrl: string;
  consoleUrl: string | null;
  databaseMode: string;
  storeMode: string;
  models: ActiveModelsStatus | null;
  onlineFeatures: OnlineFeaturesHealth;
  training: TrainingHealth;
  demo: DemoCredentials;
  /** Business time (CASCADE_CLOCK); a line is printed only when it is not the wall clock. */
  clock?: Clock;
};

export function formatStartBanner(info: StartBannerInfo): string {
  const health = `${info.engineUrl}/v1/health`;
  const lines = [
    "",
    "  Cascade is running",
    `    engine   ${info.engineUrl}   (health: ${health})`,
    info.consoleUrl ? `    console  ${info.consoleUrl}` : "    console  disabled (CASCADE_CONSOLE=false)",
    `    storage  PostgreSQL ${info.databaseMode}, online store ${info.storeMode}`,
    `    models   ${describeModels(info.models, info.training)}`,
    `    features ${describeFeatures(info.onlineFeatures)}`,
    ...(info.clock && info.clock.mode !== "wall"
      ? [`    clock    ${describeClock(info.clock)}: served as of this time, not the wall clock (CASCADE_CLOCK)`]
      : []),
    "",
  ];
  const { apiKey, consoleLogin } = info.demo;
  if (consoleLogin) lines.push(`  Demo console login   ${consoleLogin.email} / ${consoleLogin.password}`);
  if (apiKey) lines.push(`  Demo API key         ${apiKey}`);
  if (apiKey || consoleLogin) lines.push("  (demo credentials exist only in demo data; revoke them on any networked deployment)", "");
  const key = apiKey ?? "<api key>";
  if (!apiKey) lines.push("  No demo API key in this database: create one with `cascade keys create --name my-app`.");
  lines.push(
    `  Try: curl -s -X POST ${info.engineUrl}/v1/recommendations -H 'authorization: Bearer ${key}' \\`,
    `         -H 'content-type: application/json' -d '{"userId":"${apiKey ? "user-00001" : "<user id>"}","count":5}'`,
    "",
    "  Ctrl-C stops everything.",
    "",
  );
  return lines.join("\n") + "\n";
}

function describeModels(models: ActiveModelsStatus | null, training: TrainingHealth): string {
  const loaded = [models?.retrieval, models?.itemToItem, models?.ranker].filter((model) => model != null).map((model) => `${model.name} v${model.version}`);
  if (loaded.length > 0) return `${loaded.join(", ")}${models?.ranker ? "" : " (no ranker: ordered by retrieval rank)"}`;
  if (training.state === "running") return "no models yet: training in the background (progress in health); popularity serves meanwhile";
  return "no models yet (popularity serves): `cascade train --promote` trains and activates them";
}

function describeFeatures(features: OnlineFeaturesHealth): string {
  if (features.source === "redis") return "online features in Redis";
  if (features.status === "ready") return `online features ready (${features.source === "snapshot" ? "from the snapshot" : "rebuilt from the event log"})`;
  if (features.status === "failed") return `online features incomplete: ${features.detail ?? "warm-up failed"}`;
  return features.source === "snapshot"
    ? "online features loaded from the snapshot; replaying the events after it (health says when ready)"
    : "online features rebuilding from the event log in the background (health says when ready)";
}
