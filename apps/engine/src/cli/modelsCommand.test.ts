import type { ModelVersion } from "@cascade/db";
import { describe, expect, it } from "vitest";
import { formatModelTable } from "./modelsCommand.ts";

const version = (overrides: Partial<ModelVersion>): ModelVersion => ({
  id: "cm-1",
  kind: "ranker",
  version: 1,
  name: "ranker",
  status: "candidate",
  artifactPath: "/x/model.onnx",
  artifactDigest: "a".repeat(64),
  indexPath: null,
  indexDigest: null,
  buildDigest: null,
  trainingWindowStart: null,
  trainingWindowEnd: null,
  features: ["a", "b"],
  outputs: ["p_click"],
  config: {},
  metrics: {},
  notes: "",
  createdAt: new Date("2026-11-20T10:00:00Z"),
  promotedAt: null,
  retiredAt: null,
  ...overrides,
});

describe("formatModelTable", () => {
  it("prints one aligned row per version with slot, status and numeric metrics", () => {
    const text = formatModelTable([
      version({
        id: "cm-2",
        kind: "two_tower",
        name: "towers",
        status: "active",
        promotedAt: new Date("2026-11-21T08:30:00Z"),
        metrics: { "recall@100": 0.41234, note: "x", ndcg: 0.2 },
      }),
      version({ id: "cm-1", kind: "external_ranker", name: "partner" }),
    ]);
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^id\s+slot\s+kind\s+ver\s+name\s+status/);
    expect(lines[2]).toMatch(/^cm-2\s+retrieval\s+two_tower\s+1\s+towers\s+ACTIVE\s+2026-11-20 10:00\s+2026-11-21 08:30\s+2\s+recall@100=0\.412 ndcg=0\.200$/);
    expect(lines[3]).toMatch(/^cm-1\s+ranker\s+external_ranker\s+1\s+partner\s+candidate/);
    // columns line up: "slot" starts at the same offset on every line
    const slotColumn = lines[0]!.indexOf("slot");
    expect(lines[2]!.indexOf("retrieval")).toBe(slotColumn);
    expect(lines[3]!.indexOf("ranker")).toBe(slotColumn);
  });

  it("says how to get a first version when there is none", () => {
    expect(formatModelTable([])).toMatch(/no model versions registered yet/);
  });
});
