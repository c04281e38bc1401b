export * from "./variantOverrides.ts";
export * from "./experimentConfig.ts";
