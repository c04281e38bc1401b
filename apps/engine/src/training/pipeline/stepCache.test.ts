import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { canonicalJson, stepDigest } from "./digest.ts";
import { runStep } from "./stepCache.ts";

describe("stepDigest", () => {
  it("does not depend on key order but does on every value", () => {
    const a = stepDigest("two-tower", { config: { epochs: 4, dimensions: 32 }, window: { from: "a", to: "b" } });
    const b = stepDigest("two-tower", { window: { to: "b", from: "a" }, config: { dimensions: 32, epochs: 4 } });
    expect(a).toBe(b);
    expect(stepDigest("two-tower", { config: { epochs: 5, dimensions: 32 }, window: { from: "a", to: "b" } })).not.toBe(a);
    expect(stepDigest("ranker", { config: { epochs: 4, dimensions: 32 }, window: { from: "a", to: "b" } })).not.toBe(a);
  });

  it("canonicalises nested objects and drops undefined fields", () => {
    expect(canonicalJson({ b: [{ y: 1, x: 2 }], a: undefined, c: null })).toBe('{"b":[{"x":2,"y":1}],"c":null}');
  });
});

describe("runStep", () => {
  let workDir: string;
  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), "cascade-step-"));
  });
  afterEach(() => rmSync(workDir, { recursive: true, force: true }));

  const produce = (counter: { runs: number }) => async (dir: string) => {
    counter.runs += 1;
    writeFileSync(join(dir, "out.txt"), "hello");
    return { lines: 1 };
  };

  it("runs once, then reuses the verified output for the same digest", async () => {
    const counter = { runs: 0 };
    const first = await runStep(workDir, "demo", "a".repeat(64), produce(counter));
    expect(first).toMatchObject({ reused: false, outputs: { lines: 1 } });
    expect(readFileSync(first.files["out.txt"]!.path, "utf8")).toBe("hello");
    const second = await runStep(workDir, "demo", "a".repeat(64), produce(counter));
    expect(second).toMatchObject({ reused: true, outputs: { lines: 1 }, dir: first.dir });
    expect(counter.runs).toBe(1);
    await runStep(workDir, "demo", "b".repeat(64), produce(counter));
    expect(counter.runs).toBe(2);
  });

  it("runs again when an output file no longer matches its manifest", async () => {
    const counter = { runs: 0 };
    const first = await runStep(workDir, "demo", "c".repeat(64), produce(counter));
    writeFileSync(first.files["out.txt"]!.path, "tampered");
    const again = await runStep(workDir, "demo", "c".repeat(64), produce(counter));
    expect(again.reused).toBe(false);
    expect(counter.runs).toBe(2);
    expect(readFileSync(again.files["out.txt"]!.path, "utf8")).toBe("hello");
  });

  it("leaves nothing behind when the step fails", async () => {
    await expect(
      runStep(workDir, "demo", "d".repeat(64), async (dir) => {
        writeFileSync(join(dir, "half.txt"), "x");
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await readdir(workDir)).toEqual([]);
  });
});
