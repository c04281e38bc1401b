import { describe, expect, it } from "vitest";
import { creatorsTable, demoEventsTable, followsTable, itemsTable, usersTable, type CopyTable } from "./copyTables.ts";
import { creatorRows, eventRow, followRows, itemRows, userRows } from "./demoRows.ts";
import { generateDemoEvents } from "./eventStream.ts";
import { generateWorld } from "./world.ts";
import { resolveDemoConfig } from "./worldConfig.ts";

const world = generateWorld(resolveDemoConfig("tiny", { endAtMs: Date.UTC(2025, 5, 1), events: 3_000 }));

function fields<Row>(table: CopyTable<Row>, row: Row): string[] {
  const line = table.line(row);
  expect(line.endsWith("\n")).toBe(true);
  const columns = line.slice(0, -1).split("\t");
  expect(columns).toHaveLength(table.columns.length);
  return columns;
}

describe("COPY lines of the demo tables", () => {
  it("write one field per column for every catalogue table", () => {
    const [creator] = creatorRows(world);
    expect(fields(creatorsTable, creator!).slice(0, 3)).toEqual(["creator-0000", creator!.name, JSON.stringify(creator!.attributes)]);
    const [item] = itemRows(world);
    const itemFields = fields(itemsTable, item!);
    expect(itemFields[0]).toBe("item-000000");
    expect(itemFields[4]).toMatch(/^\{"[a-z]+","[a-z-]+"\}$/);
    expect(itemFields[6]).toMatch(/^[tf]$/);
    const [user] = userRows(world);
    expect(fields(usersTable, user!)[0]).toBe("user-00000");
    const [follow] = followRows(world);
    expect(fields(followsTable, follow!)[0]).toMatch(/^user-\d{5}$/);
  });

  it("yields every row of the world", () => {
    expect([...creatorRows(world)]).toHaveLength(world.creators.count);
    expect([...itemRows(world)]).toHaveLength(world.items.count);
    expect([...userRows(world)]).toHaveLength(world.users.count);
    expect([...followRows(world)]).toHaveLength(world.users.followCreators.length);
  });

  it("writes events with the same values as eventRow", () => {
    const table = demoEventsTable(world.config.seed);
    const events = [...generateDemoEvents(world)];
    const related = events.find((event) => event.surface === "related" && event.type !== "impression")!;
    for (const event of [events[0]!, related]) {
      const row = eventRow(world, event);
      const [eventId, type, userId, itemId, occurredAt, receivedAt, value, requestId, position, surface, propensity, context] = fields(table, event);
      expect({ eventId, type, userId, itemId, requestId, surface }).toEqual({
        eventId: row.eventId,
        type: row.type,
        userId: row.userId,
        itemId: row.itemId,
        requestId: row.requestId,
        surface: row.surface,
      });
      expect(occurredAt).toBe(row.occurredAt.toISOString());
      expect(receivedAt).toBe(occurredAt);
      expect(value).toBe(row.value === null ? "\\N" : String(row.value));
      expect(Number(position)).toBe(row.position);
      expect(Number(propensity)).toBe(row.propensity);
      expect(context === "\\N" ? undefined : JSON.parse(context!)).toEqual(row.context);
    }
    expect(eventRow(world, related).context).toEqual({ anchorItemId: expect.stringMatching(/^item-\d{6}$/) });
  });
});
