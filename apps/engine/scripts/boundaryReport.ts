// The engine's import boundaries, checked and counted (`npm run lint` runs it; exit 1 on a breach).
//   node --import tsx apps/engine/scripts/boundaryReport.ts [--json FILE]
// Runs dependency-cruiser with .dependency-cruiser.cjs (layers, no cycles, no test/bench/cli/demo
// code in production) and reports, over production code (tests and testing/ folders left out):
//   - rule violations, by rule;
//   - imports that run back up the layers (a folder importing one in a higher layer);
//   - folder pairs that import each other (a → b and b → a), which the layer rules alone allow
//     inside one layer;
//   - module cycles.
// Fails on any violation or mutual folder pair.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

type CruiseModule = { source: string; dependencies: { resolved: string; coreModule?: boolean; couldNotResolve?: boolean }[] };
type Violation = { rule: { name: string; severity: string }; from: string; to: string; cycle?: { name: string }[] };
type CruiseResult = { modules: CruiseModule[]; summary: { violations: Violation[]; totalCruised: number } };

const engineDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const config = require(join(engineDir, ".dependency-cruiser.cjs")) as { cascadeLayers: string[][] };
const layerOf = new Map(config.cascadeLayers.flatMap((folders, index) => folders.map((folder) => [folder, index] as const)));
const ENTRY_LAYER = config.cascadeLayers.length - 1;

/** `src/serving/x.ts` → `serving`; `src/cli.ts` and `bench/…` → the entry layer's pseudo-folders. */
function folderOf(path: string): string | null {
  if (path.startsWith("bench/")) return "bench";
  const match = /^src\/([^/]+)\//.exec(path);
  if (match) return match[1]!;
  return path.startsWith("src/") ? path.slice("src/".length) : null;
}

function layerIndex(folder: string): number | undefined {
  return folder === "bench" || folder === "cli.ts" ? ENTRY_LAYER : layerOf.get(folder);
}

const isTestCode = (path: string) => /\.test\.ts$|\/testing\//.test(path);

const { values } = parseArgs({ options: { json: { type: "string" } } });
const bin = join(engineDir, "..", "..", "node_modules", ".bin", "depcruise");
const output = execFileSync(bin, ["src", "bench", "--config", ".dependency-cruiser.cjs", "--output-type", "json"], {
  cwd: engineDir,
  encoding: "utf8",
  maxBuffer: 256 * 1024 * 1024,
});
const result = JSON.parse(output) as CruiseResult;

const edges = new Map<string, string[]>(); // "a → b" → example imports
const unplaced = new Set<string>();
for (const module of result.modules) {
  const from = folderOf(module.source);
  if (!from || isTestCode(module.source)) continue;
  if (layerIndex(from) === undefined) unplaced.add(from);
  for (const dependency of module.dependencies) {
    if (dependency.coreModule || dependency.couldNotResolve) continue;
    const to = folderOf(dependency.resolved);
    if (!to || to === from) continue;
    const key = `${from} → ${to}`;
    edges.set(key, [...(edges.get(key) ?? []), `${module.source} → ${dependency.resolved}`]);
  }
}

const upward = [...edges].filter(([key]) => {
  const [from, to] = key.split(" → ") as [string, string];
  const a = layerIndex(from);
  const b = layerIndex(to);
  return a !== undefined && b !== undefined && b > a;
});
const mutual = [...edges.keys()].filter((key) => {
  const [from, to] = key.split(" → ") as [string, string];
  return from < to && edges.has(`${to} → ${from}`);
});
const violations = result.summary.violations.filter((violation) => violation.rule.severity === "error");
const cycles = violations.filter((violation) => violation.rule.name === "no-circular");

const report = {
  modules: result.summary.totalCruised,
  violations: violations.map((violation) => ({ rule: violation.rule.name, from: violation.from, to: violation.to })),
  importsUpTheLayers: upward.reduce((sum, [, imports]) => sum + imports.length, 0),
  mutualFolderPairs: mutual,
  cycles: cycles.length,
  foldersWithoutLayer: [...unplaced],
};

console.log(`engine import boundaries: ${report.modules} modules`);
console.log(`  imports back up the layers: ${report.importsUpTheLayers}`);
for (const [key, imports] of upward) console.log(`    ${key}: ${imports.join(", ")}`);
console.log(`  folder pairs importing each other: ${mutual.length}${mutual.length ? ` (${mutual.map((key) => key.replace(" → ", " ↔ ")).join(", ")})` : ""}`);
console.log(`  module cycles: ${report.cycles}`);
console.log(`  rule violations: ${violations.length}`);
for (const violation of violations) console.log(`    ${violation.rule.name}: ${violation.from} → ${violation.to}`);
if (unplaced.size > 0) console.log(`  folders in no layer (add them to .dependency-cruiser.cjs): ${[...unplaced].join(", ")}`);
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);

if (violations.length > 0 || mutual.length > 0 || unplaced.size > 0) process.exitCode = 1;
