// "Why this item?" and "why not item X?", answered from a trace alone: the engine's tests and the
// console's feed debugger run the same logic on the same JSON.
import type { FunnelTrace, RuleEffect, ServedItemTrace, StageName } from "./trace.ts";

export type ItemEffect = RuleEffect & { componentId: string };

export type ItemExplanation =
  | { itemId: string; status: "served"; served: ServedItemTrace; effects: ItemEffect[] }
  | { itemId: string; status: "removed"; stage: StageName; componentId: string; reason: string; effects: ItemEffect[] }
  | { itemId: string; status: "belowPage"; rankedPosition: number; effects: ItemEffect[] }
  /** No source returned it (only certain with a "full" trace; a summary trace cannot tell this from "below the page"). */
  | { itemId: string; status: "notRetrieved" | "notServed"; effects: ItemEffect[] };

export function explainItem(trace: FunnelTrace, itemId: string): ItemExplanation {
  const effects: ItemEffect[] = [];
  for (const stage of trace.stages) {
    for (const component of stage.components) {
      for (const effect of component.effects ?? []) if (effect.itemId === itemId) effects.push({ ...effect, componentId: component.id });
    }
  }
  const served = trace.served.find((item) => item.itemId === itemId);
  if (served) return { itemId, status: "served", served, effects };
  for (const stage of trace.stages) {
    for (const component of stage.components) {
      const removed = component.removed?.find((item) => item.itemId === itemId);
      if (removed) return { itemId, status: "removed", stage: stage.stage, componentId: component.id, reason: removed.reason, effects };
      const droppedByRule = component.effects?.find((effect) => effect.itemId === itemId && effect.kind === "removed");
      if (droppedByRule)
        return { itemId, status: "removed", stage: stage.stage, componentId: component.id, reason: droppedByRule.reason ?? "removed by rule", effects };
    }
  }
  if (trace.ranked) {
    const rankedPosition = trace.ranked.indexOf(itemId);
    return rankedPosition >= 0 ? { itemId, status: "belowPage", rankedPosition, effects } : { itemId, status: "notRetrieved", effects };
  }
  return { itemId, status: "notServed", effects };
}
