// How to start the `cascade` executable as an operator's shell would: node with the flags of
// bin/cascade.mjs's interpreter line, then the file. Tests, the fault harness and the end-to-end
// server spawn engines this way, so they run with the V8 settings every engine is measured with
// (a 16 MB young generation, no memory reducer) instead of node's defaults; spawning
// `bin/cascade.mjs` directly would depend on `env -S` and the file's executable bit.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The `cascade` executable (bin/cascade.mjs). */
export const CASCADE_BIN = fileURLToPath(new URL("../../bin/cascade.mjs", import.meta.url));

/** The node flags of bin/cascade.mjs's `#!/usr/bin/env -S node …` line; throws if the line has another shape. */
export function cascadeNodeFlags(): string[] {
  const firstLine = readFileSync(CASCADE_BIN, "utf8").split("\n", 1)[0]!;
  const match = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)$/.exec(firstLine);
  if (!match) throw new Error(`unexpected interpreter line in ${CASCADE_BIN}: ${firstLine}`);
  return match[1]!.trim().split(/\s+/).filter(Boolean);
}

/** Arguments for `spawn(process.execPath, …)` that run `cascade <args>` as the executable would. */
export function cascadeSpawnArgs(args: readonly string[]): string[] {
  return [...cascadeNodeFlags(), CASCADE_BIN, ...args];
}
