// `cascade import interactions|recbole|movielens` as the CLI runs them (commander parsing, option
// wiring, printed summary, exit status) against real PostgreSQL.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { defaultPositiveFor } from "../import/positiveSpec.ts";
import { addImportCommand } from "./importCommand.ts";

const databaseUrl = () => process.env.TEST_DATABASE_URL!;
const run = `cli${randomUUID().slice(0, 6)}`;
let dir: string;
let sql: pg.Client;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cascade-import-cli-"));
  sql = new pg.Client({ connectionString: databaseUrl() });
  await sql.connect();
});
afterAll(async () => {
  await sql.end();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Runs `cascade import …args` and returns what it printed on stdout. */
async function cascadeImport(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  addImportCommand(program, (work) => work(databaseUrl()));
  let printed = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    await program.parseAsync(["import", ...args], { from: "user" });
  } finally {
    vi.mocked(process.stdout.write).mockRestore();
  }
  return printed;
}

describe("cascade import interactions", () => {
  it("maps columns from the options, prints the default positive and exits 2 on rejected rows", async () => {
    const log = join(dir, "events.csv");
    await writeFile(
      log,
      [
        "who,what,kind,when,amount",
        "a,x1,view,2024-01-01T00:00:00Z,",
        "a,x1,transaction,2024-01-01T00:01:00Z,12.5",
        "b,x2,teleport,2024-01-02T00:00:00Z,",
      ].join("\n"),
    );
    const args = [
      "interactions",
      log,
      "--user",
      "who",
      "--item",
      "what",
      "--time",
      "when",
      "--type",
      "kind",
      "--type-map",
      "view=click,transaction=purchase",
      "--weight",
      "amount",
      "--id-prefix",
      run,
    ];
    const printed = await cascadeImport(...args, "--show-rejections", "5");
    expect(printed).toContain("positive by default: click,like,share,watch,purchase,weight>=1");
    expect(printed).toMatch(/events from .*events\.csv: read 3, imported 2, duplicate 0, rejected 1, items created for their events 1/);
    expect(printed).toMatch(/line 4: type: /);
    expect(process.exitCode).toBe(2);
    const stored = await sql.query("SELECT type, value, context, item_id FROM events WHERE user_id = $1 ORDER BY occurred_at", [`${run}-user-a`]);
    expect(stored.rows).toEqual([
      { type: "click", value: null, context: null, item_id: `${run}-item-x1` },
      { type: "purchase", value: 12.5, context: { weight: 12.5 }, item_id: `${run}-item-x1` },
    ]);

    process.exitCode = undefined;
    const again = JSON.parse(await cascadeImport(...args, "--json"));
    expect(again.summaries[0]).toMatchObject({ imported: 0, duplicates: 2, rejected: 1, itemsCreated: 0 });
    expect(again.positive).toEqual(defaultPositiveFor("weights"));
  });

  it("refuses contradictory or incomplete mappings before reading anything", async () => {
    const log = join(dir, "any.csv");
    await writeFile(log, "u,i\n1,2\n");
    await expect(cascadeImport("interactions", log, "--user", "u", "--item", "i", "--type", "t", "--event-type", "like")).rejects.toThrow(
      /either --type .* or --event-type/,
    );
    await expect(cascadeImport("interactions", log, "--user", "u", "--item", "i", "--event-type", "watch")).rejects.toThrow(
      /events of type watch need a value/,
    );
    await expect(cascadeImport("interactions", log, "--user", "u", "--item", "i", "--type", "t", "--type-map", "view=look")).rejects.toThrow(
      /"look" is not an event type/,
    );
    await expect(cascadeImport("interactions", log, "--item", "i")).rejects.toThrow(/--user/);
  });
});

describe("cascade import recbole", () => {
  it("prefixes ids with the data set name by default", async () => {
    const name = `${run}rb`;
    await writeFile(join(dir, `${name}.inter`), "user_id:token\titem_id:token\n1\t7\n");
    const printed = await cascadeImport("recbole", join(dir, `${name}.inter`), "--event-type", "like");
    expect(printed).toContain(`RecBole data set: ${name}\npositive by default: click,like,share,watch,purchase`);
    const stored = await sql.query("SELECT type, item_id FROM events WHERE user_id = $1", [`${name}-user-1`]);
    expect(stored.rows).toEqual([{ type: "like", item_id: `${name}-item-7` }]);
    expect(process.exitCode).toBeUndefined();
  });
});
