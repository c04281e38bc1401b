// "Why this item?" and "why not item X?" live in @cascade/core (the console answers them from the
// same trace); re-exported here so the engine's imports stay as they were.
export { explainItem, type ItemEffect, type ItemExplanation } from "@cascade/core";
