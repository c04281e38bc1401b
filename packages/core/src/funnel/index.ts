export * from "./trace.ts";
export * from "./traceSchema.ts";
export * from "./explainItem.ts";
