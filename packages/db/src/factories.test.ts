import { describe, expect, it } from "vitest";
import { eventInput } from "@cascade/core";
import { buildItem, createSeedFactories } from "./factories.ts";
import type { Prisma } from "./generated/prisma/client.ts";

describe("seed factories", () => {
  it("make unique ids from the prefix, per kind", () => {
    const factories = createSeedFactories("t1");
    expect(factories.buildItem().id).toBe("t1-item-1");
    expect(factories.buildUser().id).toBe("t1-user-2");
    expect(factories.buildCreator().id).toBe("t1-creator-3");
    expect(factories.buildEvent().eventId).toBe("t1-event-4");
    const ids = Array.from({ length: 100 }, () => factories.buildItem().id);
    expect(new Set(ids).size).toBe(100);
  });

  it("give separate factory sets separate ids by default", () => {
    const a = createSeedFactories();
    const b = createSeedFactories();
    expect(a.prefix).not.toBe(b.prefix);
    expect(a.buildItem().id).not.toBe(b.buildItem().id);
  });

  it("apply overrides and keep defaults for undefined overrides", () => {
    const publishedAt = new Date("2025-01-02T03:04:05Z");
    const item = buildItem({ id: "fixed", category: "music", publishedAt, creatorId: undefined });
    expect(item).toMatchObject({ id: "fixed", category: "music", publishedAt, createdAt: publishedAt, available: true, creatorId: null });
    expect(buildItem({ id: undefined }).id).toMatch(/-item-\d+$/);
  });

  it("link follows and events to the rows they are given", () => {
    const factories = createSeedFactories("t2");
    const user = factories.buildUser();
    const creator = factories.buildCreator();
    const item = factories.buildItem({ creatorId: creator.id });
    expect(factories.buildFollow({ userId: user.id, creatorId: creator.id })).toMatchObject({ userId: user.id, creatorId: creator.id });
    const click = factories.buildEvent({ type: "click", userId: user.id, itemId: item.id, requestId: "r1", position: 0, propensity: 0.5 });
    expect(click).toMatchObject({ type: "click", userId: user.id, itemId: item.id, value: null });
  });

  it("build events the ingestion API would accept", () => {
    const event = createSeedFactories("t3").buildEvent({ type: "watch", value: 30, surface: "home" });
    const { occurredAt, value, requestId, position, propensity, ...rest } = event;
    const parsed = eventInput.safeParse({
      ...rest,
      timestamp: occurredAt.toISOString(),
      value,
      ...(requestId === null ? {} : { requestId }),
      ...(position === null ? {} : { position }),
      ...(propensity === null ? {} : { propensity }),
    });
    expect(parsed.success).toBe(true);
  });

  it("fit Prisma's createMany inputs (checked by the compiler)", () => {
    const factories = createSeedFactories("t4");
    const rows: [
      Prisma.CreatorCreateManyInput,
      Prisma.ItemCreateManyInput,
      Prisma.UserCreateManyInput,
      Prisma.FollowCreateManyInput,
      Prisma.EventCreateManyInput,
    ] = [factories.buildCreator(), factories.buildItem(), factories.buildUser(), factories.buildFollow(), factories.buildEvent({ context: { a: 1 } })];
    expect(rows).toHaveLength(5);
  });

  it("refuse prefixes that would make invalid ids", () => {
    expect(() => createSeedFactories("has space")).toThrow(/prefix/);
  });
});
