// The engine's house plan as rules (run by `npm run lint` through scripts/boundaryReport.ts).
// Layers, lowest first: code may import its own layer and the ones below, never above. Tests and
// `testing/` folders (fixtures, contract suites) may import anything; production code may not
// import them, nor bench/, nor (outside the entry points) cli/ or demo/.
const LAYERS = [
  ["platform", "telemetry", "postgres", "redis", "stores"], // process, clock, metrics, storage clients
  ["funnel"], // the funnel core: component contracts, runner, trace
  ["caching", "features", "sources", "filters", "hydrators", "ranking", "rules", "exploration", "retrieval", "models", "events", "experiments"], // components
  ["ingest", "import", "jobs", "training"], // intake and offline work
  ["serving", "replay"], // assembly of the funnel (live and point-in-time)
  ["server"], // HTTP
  ["composition"], // builds the engine once
  ["boot", "cli", "demo"], // entry points (with src/cli.ts and bench/)
];

const TEST_CODE = "(\\.test\\.ts$|/testing/)";
const folderPattern = (folders) => `^src/(${folders.join("|")})/`;

const layerRules = LAYERS.slice(0, -1).map((folders, index) => ({
  name: `layer-${folders[0]}`,
  comment: `${folders.join(", ")} may not import a higher layer (${LAYERS.slice(index + 1)
    .flat()
    .join(", ")})`,
  severity: "error",
  from: { path: folderPattern(folders), pathNot: TEST_CODE },
  to: { path: [folderPattern(LAYERS.slice(index + 1).flat()), "^src/cli\\.ts$", "^bench/"] },
}));

const config = {
  forbidden: [
    {
      name: "no-circular",
      comment: "modules must not import each other in a circle",
      severity: "error",
      from: { path: "^(src|bench)/" },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: "no-test-code-in-production",
      comment: "production code must not import tests, fixtures or contract suites (testing/ folders)",
      severity: "error",
      from: { path: "^src/", pathNot: TEST_CODE },
      to: { path: TEST_CODE },
    },
    { name: "no-bench-in-src", comment: "src/ must not import benchmarks", severity: "error", from: { path: "^src/" }, to: { path: "^bench/" } },
    {
      name: "no-cli-outside-entry",
      comment: "only the CLI entry (src/cli.ts) uses cli/",
      severity: "error",
      from: { path: "^src/", pathNot: ["^src/cli(\\.ts$|/)", TEST_CODE] },
      to: { path: "^src/cli/" },
    },
    {
      name: "no-demo-in-production",
      comment: "demo code depends on production code, never the reverse: only the entry points (cli.ts, boot/) load the demo world",
      severity: "error",
      from: { path: "^src/", pathNot: ["^src/(demo|boot)/", "^src/cli\\.ts$", TEST_CODE] },
      to: { path: "^src/demo/" },
    },
  ],
  options: {
    doNotFollow: { path: ["node_modules", "^\\.\\./\\.\\./packages/"] },
    exclude: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs"],
    },
  },
};

// scripts/boundaryReport.ts reads the layers to count imports that run back up them.
module.exports = config;
Object.defineProperty(config, "cascadeLayers", { value: LAYERS, enumerable: false });
