// The rule-set lifecycle (draft, publish, roll back, audit, NOTIFY) has one owner beside the model
// registry, @cascade/db's ruleSets.ts, shared by the console, the engine's CLI and the demo.
export * from "@cascade/db/ruleSets";
