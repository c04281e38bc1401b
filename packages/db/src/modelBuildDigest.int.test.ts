// The unique index on model_versions (kind, build_digest): one registered version per build, so
// two concurrent `cascade train` runs of the same inputs cannot both register; versions without a
// build digest (external models) never collide.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type Database } from "./client.ts";
import { Prisma } from "./generated/prisma/client.ts";
import { registerModelVersion, type RegisterModelVersionInput } from "./modelRegistry.ts";

const prefix = `buildkey${randomBytes(4).toString("hex")}`;
let db: Database;

function input(overrides: Partial<RegisterModelVersionInput>): RegisterModelVersionInput {
  return { kind: "ranker", name: `${prefix}-model`, artifactPath: `/tmp/${prefix}.onnx`, artifactDigest: "0".repeat(64), ...overrides };
}

beforeAll(() => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 4 });
});

afterAll(async () => {
  await db.modelVersion.deleteMany({ where: { name: `${prefix}-model` } });
  await db.$disconnect();
});

describe("model_versions (kind, build_digest)", () => {
  it("lets exactly one of two concurrent registrations of a build succeed", async () => {
    const buildDigest = `${prefix}-build-a`;
    const results = await Promise.allSettled([registerModelVersion(db, input({ buildDigest })), registerModelVersion(db, input({ buildDigest }))]);
    const fulfilled = results.filter((result) => result.status === "fulfilled");
    const rejected = results.filter((result) => result.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    const error = (rejected[0] as PromiseRejectedResult).reason as unknown;
    expect(error).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((error as Prisma.PrismaClientKnownRequestError).code).toBe("P2002");
    expect(await db.modelVersion.count({ where: { kind: "ranker", buildDigest } })).toBe(1);
  });

  it("allows the same build digest for another kind", async () => {
    const buildDigest = `${prefix}-build-b`;
    await registerModelVersion(db, input({ kind: "ranker", buildDigest }));
    await registerModelVersion(db, input({ kind: "two_tower", buildDigest }));
    expect(await db.modelVersion.count({ where: { buildDigest } })).toBe(2);
  });

  it("never treats two versions without a build digest as the same build", async () => {
    const before = await db.modelVersion.count({ where: { name: `${prefix}-model`, buildDigest: null } });
    await registerModelVersion(db, input({ buildDigest: null }));
    await registerModelVersion(db, input({ buildDigest: null }));
    expect(await db.modelVersion.count({ where: { name: `${prefix}-model`, buildDigest: null } })).toBe(before + 2);
  });
});
