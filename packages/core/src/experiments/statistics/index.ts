// Experiment statistics: pure functions, no I/O. See each file for the method and its reference.
export * from "./distributions.ts";
export * from "./summary.ts";
export * from "./comparison.ts";
export * from "./proportions.ts";
export * from "./welch.ts";
export * from "./ratioMetric.ts";
export * from "./cuped.ts";
export * from "./sampleRatioMismatch.ts";
export * from "./multipleComparisons.ts";
export * from "./sequential.ts";
export * from "./power.ts";
