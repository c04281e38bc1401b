// The `cascade` executable starts node with the engine's V8 flags (bin/cascade.mjs's interpreter
// line): run as an operator runs it, by its path, the process sees --max-semi-space-size=16 and
// --no-memory-reducer.
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CASCADE_BIN } from "./engineCommand.ts";

const run = promisify(execFile);

describe("bin/cascade.mjs", () => {
  it("runs the CLI with the engine's young-generation size", async () => {
    // A preload script (NODE_OPTIONS --require) reports the flags node was started with, before the CLI prints its help.
    const dir = await mkdtemp(join(tmpdir(), "cascade-bin-"));
    const probe = join(dir, "probe.cjs");
    await writeFile(probe, `process.stderr.write("execArgv=" + JSON.stringify(process.execArgv) + "\\n");\n`);
    const { stdout, stderr } = await run(CASCADE_BIN, ["--help"], { env: { ...process.env, NODE_OPTIONS: `--require ${probe}` }, timeout: 60_000 });
    const line = stderr.split("\n").find((text) => text.startsWith("execArgv="));
    expect(line).toBeDefined();
    const execArgv = JSON.parse(line!.slice("execArgv=".length)) as string[];
    expect(execArgv).toContain("--max-semi-space-size=16");
    expect(execArgv).toContain("--no-memory-reducer");
    expect(stdout).toContain("serve");
  }, 90_000);
});
