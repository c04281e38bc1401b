export * from "./murmurHash3.ts";
export * from "./assignment.ts";
