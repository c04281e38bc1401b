// A digest per feature definition, stored in feature_definitions, so a changed definition (its
// metadata, its counters' parameters, or the source of its logic) is visible in the console and
// artifacts built with an older definition can be told apart (DESIGN.md convention 7).
import { createHash } from "node:crypto";
import type { FeatureDefinition } from "./featureDefinition.ts";

export function definitionDigest(definition: FeatureDefinition): string {
  const canonical = JSON.stringify({
    name: definition.name,
    entity: definition.entity,
    type: definition.type,
    window: definition.window,
    default: definition.default,
    description: definition.description,
    counters: definition.counters.map((counter) => ({ id: counter.id, entity: counter.entity, spec: sortedEntries(counter.spec) })),
    compute: definition.compute.toString(),
  });
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

function sortedEntries(record: Readonly<Record<string, string | number>>): [string, string | number][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
