// The demo's event log as a lazy stream in global time order. Sessions are simulated as their
// start time comes up; their events wait in a min-heap keyed by (time, generation order) until
// no session that starts later can precede them. Memory stays bounded whatever the size: one day
// of session starts plus the events of sessions still in progress (large: a few thousand
// events, well under 10 MB), never the log itself.
import { buildCatalogIndex } from "./catalogIndex.ts";
import { createLoggingPolicy, type LoggingPolicy } from "./loggingPolicy.ts";
import { MinHeap } from "./minHeap.ts";
import { createRandom, deriveSeed } from "@cascade/core";
import { STREAM } from "./streams.ts";
import { planTraffic, sessionsByDay, type TrafficPlan } from "./sessionSchedule.ts";
import { simulateSession, type SimulatedEvent } from "./sessionSimulator.ts";
import type { DemoWorld } from "./world.ts";

/** A simulated event as emitted by the stream: `sequence` is its 0-based place in it. */
export type DemoEvent = SimulatedEvent;

export type DemoEventStreamOptions = {
  /** Reuse the logging policy (and its catalogue index) already built for this world. */
  policy?: LoggingPolicy;
  /** Reuse a traffic plan already computed for this world. */
  plan?: TrafficPlan;
};

/**
 * All events of the world's window, oldest first (ties: generation order). Events a session
 * would produce after the window's end have not happened yet and are left out.
 */
export function* generateDemoEvents(world: DemoWorld, options: DemoEventStreamOptions = {}): Generator<DemoEvent> {
  const policy = options.policy ?? createLoggingPolicy(world, buildCatalogIndex(world));
  const plan = options.plan ?? planTraffic(world, policy);
  const pending = new MinHeap<SimulatedEvent>((a, b) => a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.order < b.order));
  let order = 0;
  const nextOrder = () => order++;
  const push = (event: SimulatedEvent) => {
    if (event.timeMs <= world.windowEndMs) pending.push(event);
  };
  let sequence = 0;
  const numbered = (event: SimulatedEvent): DemoEvent => {
    event.sequence = sequence++;
    return event;
  };

  for (const sessions of sessionsByDay(world, plan)) {
    for (const session of sessions) {
      while (pending.size > 0 && pending.peek()!.timeMs < session.startMs) {
        yield numbered(pending.pop()!);
      }
      const random = createRandom(deriveSeed(world.config.seed, STREAM.session, session.index));
      simulateSession(world, policy, random, session, push, nextOrder);
    }
  }
  while (pending.size > 0) yield numbered(pending.pop()!);
}
