export * from "./api/common.ts";
export * from "./api/catalog.ts";
export * from "./api/events.ts";
export * from "./api/streamEvent.ts";
export * from "./api/recommendations.ts";
export * from "./api/health.ts";
export * from "./demo.ts";
export * from "./credentials.ts";
