// The console child dies with `cascade start`, even when that process is killed with SIGKILL: real
// processes, with a stand-in child (a small TCP server, as the console is) spawned through the same
// spawnTiedToParent that starts the console.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const consoleProcessModule = fileURLToPath(new URL("./consoleProcess.ts", import.meta.url));

const STAND_IN = `
const server = require("node:net").createServer().listen(0, "127.0.0.1", () => console.log("listening " + server.address().port));
`;

const PARENT = `
import { spawnTiedToParent } from ${JSON.stringify(consoleProcessModule)};
const child = spawnTiedToParent(["-e", ${JSON.stringify(STAND_IN)}]);
child.stdout.on("data", (chunk) => process.stdout.write("child " + child.pid + " " + chunk.toString()));
setInterval(() => {}, 1000);
`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (condition()) return;
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
  throw new Error(`${what} within 15 s`);
}

describe("spawnTiedToParent", () => {
  it("the child exits when its parent is killed with SIGKILL, freeing its port", { timeout: 40_000 }, async () => {
    const parent = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", PARENT], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    parent.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      await until(() => /child \d+ listening \d+/.test(output), "the stand-in child did not start");
      const [, childPid, port] = /child (\d+) listening (\d+)/.exec(output)!.map(Number);
      expect(isAlive(childPid!)).toBe(true);

      parent.kill("SIGKILL");
      await until(() => !isAlive(childPid!), `child ${childPid} (port ${port}) outlived its killed parent`);
    } finally {
      parent.kill("SIGKILL");
    }
  });

  it("the child keeps running while its parent lives", { timeout: 40_000 }, async () => {
    const parent = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", PARENT], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    parent.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      await until(() => /child \d+ listening \d+/.test(output), "the stand-in child did not start");
      const childPid = Number(/child (\d+)/.exec(output)![1]);
      // Past the watchdog's parent-pid check interval (1 s), twice.
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 2_500));
      expect(isAlive(childPid)).toBe(true);
      parent.kill("SIGKILL");
      await until(() => !isAlive(childPid), "the child outlived its killed parent");
    } finally {
      parent.kill("SIGKILL");
    }
  });
});
