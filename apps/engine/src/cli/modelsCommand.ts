// `cascade models list|promote <id>|rollback <slot>|register`: the model registry from the command
// line. Promote and rollback commit in Postgres and NOTIFY `cascade_model_changed`, so running
// engines hot-swap within moments (or at their next poll).
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import {
  createPrismaClient,
  listModelVersions,
  modelSlots,
  promoteModelVersion,
  rollbackModelSlot,
  slotOfKind,
  type ModelSlot,
  type ModelVersion,
} from "@cascade/db";
import { ExternalRankerError } from "../models/externalRanker.ts";
import { registerExternalRanker } from "../models/registerExternalRanker.ts";
import type { DatabaseRunner } from "./commandOptions.ts";

const CLI_ACTOR = { type: "cli", id: process.env.USER ?? null };

/** One line per version, newest first. */
export function formatModelTable(rows: readonly ModelVersion[]): string {
  if (rows.length === 0) return "no model versions registered yet (train one with `cascade train`, or `cascade models register --onnx …`)\n";
  const header = ["id", "slot", "kind", "ver", "name", "status", "created", "promoted", "features", "metrics"];
  const table = rows.map((row) => [
    row.id,
    slotOfKind(row.kind),
    row.kind,
    String(row.version),
    row.name,
    row.status === "active" ? "ACTIVE" : row.status,
    shortTime(row.createdAt),
    row.promotedAt ? shortTime(row.promotedAt) : "",
    String(row.features.length),
    metricSummary(row.metrics),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...table.map((cells) => cells[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((width) => "─".repeat(width))), ...table.map(line)].join("\n") + "\n";
}

function shortTime(date: Date): string {
  return date.toISOString().slice(0, 16).replace("T", " ");
}

/** Up to three top-level numeric metrics, e.g. `recall@100=0.412 auc=0.731`. */
function metricSummary(metrics: unknown): string {
  if (!metrics || typeof metrics !== "object" || Array.isArray(metrics)) return "";
  return Object.entries(metrics as Record<string, unknown>)
    .filter((entry): entry is [string, number] => typeof entry[1] === "number")
    .slice(0, 3)
    .map(([name, value]) => `${name}=${Math.abs(value) >= 1000 ? value.toFixed(0) : value.toPrecision(3)}`)
    .join(" ");
}

function describe(row: ModelVersion): string {
  return `${row.name} (${row.kind} v${row.version}, ${row.id})`;
}

function slotArgument(value: string): ModelSlot {
  if (!(modelSlots as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${modelSlots.join(", ")}`);
  return value as ModelSlot;
}

function nameList(value: string): string[] {
  const names = value
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError("must be a comma-separated list of names");
  return names;
}

/** Adds `models` to the CLI; `withDatabase` runs the action against the resolved database. */
export function addModelsCommand(program: Command, withDatabase: DatabaseRunner, dataDir: () => string): void {
  const models = program.command("models").description("model registry: list, promote, roll back, register external ONNX rankers");
  const withDb = <T>(work: (db: ReturnType<typeof createPrismaClient>) => Promise<T>) =>
    withDatabase(async (databaseUrl) => {
      const db = createPrismaClient(databaseUrl, { poolSize: 2 });
      try {
        return await work(db);
      } finally {
        await db.$disconnect();
      }
    });

  models
    .command("list")
    .description("list model versions, newest first")
    .addOption(new Option("--slot <slot>", "only one serving slot").choices([...modelSlots]))
    .addOption(new Option("--status <status>", "only one status").choices(["candidate", "active", "retired"]))
    .option("--json", "print JSON instead of a table", false)
    .action(async (options: { slot?: ModelSlot; status?: "candidate" | "active" | "retired"; json: boolean }) => {
      await withDb(async (db) => {
        const rows = await listModelVersions(db, { ...(options.slot ? { slot: options.slot } : {}), ...(options.status ? { status: options.status } : {}) });
        process.stdout.write(options.json ? JSON.stringify(rows, null, 2) + "\n" : formatModelTable(rows));
      });
    });

  models
    .command("promote <id>")
    .description("make a version the active one of its slot (the previous active one is retired)")
    .action(async (id: string) => {
      await withDb(async (db) => {
        const { promoted, retired } = await promoteModelVersion(db, id, CLI_ACTOR);
        process.stdout.write(`active ${slotOfKind(promoted.kind)}: ${describe(promoted)}${retired ? `\nretired: ${describe(retired)}` : ""}\n`);
      });
    });

  models
    .command("rollback")
    .description("re-activate the most recently retired version of a slot (retrieval | ranker)")
    .argument("<slot>", "retrieval or ranker", slotArgument)
    .action(async (slot: ModelSlot) => {
      await withDb(async (db) => {
        const { restored, retired } = await rollbackModelSlot(db, slot, CLI_ACTOR);
        process.stdout.write(`active ${slot}: ${describe(restored)}${retired ? `\nretired: ${describe(retired)}` : ""}\n`);
      });
    });

  models
    .command("register")
    .description("register an ONNX ranker trained elsewhere (validated before anything is stored)")
    .requiredOption("--onnx <file>", "the .onnx file: one float32 input [N, features], one value per row for each output")
    .requiredOption("--name <name>", "a name for this model")
    .requiredOption("--features <list>", "input feature names in input-column order, comma-separated (registry names)", nameList)
    .requiredOption("--outputs <list>", "output names, comma-separated, e.g. p_click,p_like", nameList)
    .option("--notes <text>", "free text shown in the console", "")
    .option("--promote", "make it the active ranker right away", false)
    .action(async (options: { onnx: string; name: string; features: string[]; outputs: string[]; notes: string; promote: boolean }) => {
      const onnxBytes = await readFile(options.onnx).catch((error: NodeJS.ErrnoException) => {
        throw new Error(`--onnx: cannot read ${options.onnx} (${error.code ?? error.message})`);
      });
      await withDb(async (db) => {
        try {
          const result = await registerExternalRanker(db, {
            dataDir: dataDir(),
            name: options.name,
            features: options.features,
            outputs: options.outputs,
            notes: options.notes,
            onnxBytes,
            promote: options.promote,
            actor: CLI_ACTOR,
          });
          const sample = Object.entries(result.validation.dryRunSample)
            .map(([name, value]) => `${name}=${value.toPrecision(4)}`)
            .join(" ");
          process.stdout.write(
            `registered ${describe(result.version)} — input "${result.validation.inputName}" [N, ${result.validation.featureCount}], dry run ok (${sample})\n` +
              (result.promotion
                ? `promoted: it is now the active ranker${result.promotion.retired ? ` (retired ${describe(result.promotion.retired)})` : ""}\n`
                : `promote it with: cascade models promote ${result.version.id}\n`),
          );
        } catch (error) {
          if (error instanceof ExternalRankerError) throw new Error(`refused: ${error.message}`);
          throw error;
        }
      });
    });
}
