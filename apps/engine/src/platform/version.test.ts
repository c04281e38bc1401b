import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ENGINE_VERSION } from "./version.ts";

describe("ENGINE_VERSION", () => {
  it("is the engine package's version (read relative to this module, so moving it is caught here)", async () => {
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { name: string; version: string };
    expect(pkg.name).toBe("@cascade/engine");
    expect(ENGINE_VERSION).toBe(pkg.version);
  });
});
