-- CreateTable
CREATE TABLE "event_counts" (
    "occurred_day" DATE NOT NULL,
    "received_hour" TIMESTAMPTZ(3) NOT NULL,
    "type" "EventType" NOT NULL,
    "events" BIGINT NOT NULL,

    CONSTRAINT "event_counts_pkey" PRIMARY KEY ("occurred_day","received_hour","type")
);


-- Kept exact by statement-level triggers on "events" (Prisma cannot declare triggers, so they
-- live only here). Statement level with transition tables: one grouped upsert per INSERT/COPY
-- statement, not one per row. Each statement writes its rows in primary-key order, so concurrent
-- writers lock shared rows in the same order and wait instead of deadlocking; the upsert adds to
-- the committed count (ON CONFLICT DO UPDATE re-reads the latest row version), so no count is lost.
-- Keys: the UTC day the event occurred, the UTC hour it was received.

CREATE FUNCTION "event_counts_after_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "event_counts" AS counts ("occurred_day", "received_hour", "type", "events")
  SELECT ("occurred_at" AT TIME ZONE 'UTC')::date, date_trunc('hour', "received_at", 'UTC'), "type", count(*)
    FROM inserted_events
   GROUP BY 1, 2, 3
   ORDER BY 1, 2, 3
  ON CONFLICT ("occurred_day", "received_hour", "type") DO UPDATE SET "events" = counts."events" + excluded."events";
  RETURN NULL;
END
$$;

CREATE FUNCTION "event_counts_after_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "event_counts" AS counts ("occurred_day", "received_hour", "type", "events")
  SELECT ("occurred_at" AT TIME ZONE 'UTC')::date, date_trunc('hour', "received_at", 'UTC'), "type", -count(*)
    FROM deleted_events
   GROUP BY 1, 2, 3
   ORDER BY 1, 2, 3
  ON CONFLICT ("occurred_day", "received_hour", "type") DO UPDATE SET "events" = counts."events" + excluded."events";
  -- A key with no events left goes, so the table only spans days and hours that have events.
  DELETE FROM "event_counts" counts
   USING (SELECT DISTINCT ("occurred_at" AT TIME ZONE 'UTC')::date AS "occurred_day",
                 date_trunc('hour', "received_at", 'UTC') AS "received_hour", "type"
            FROM deleted_events) gone
   WHERE counts."occurred_day" = gone."occurred_day" AND counts."received_hour" = gone."received_hour"
     AND counts."type" = gone."type" AND counts."events" = 0;
  RETURN NULL;
END
$$;

CREATE FUNCTION "event_counts_after_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE "event_counts";
  RETURN NULL;
END
$$;

-- Events are append-only (no code updates them), but an UPDATE that moves an event to another
-- key (type, occurred_at, received_at) is counted too: old keys lose, new keys gain, the net
-- change only, so an UPDATE that touches none of the three writes nothing here.
CREATE FUNCTION "event_counts_after_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "event_counts" AS counts ("occurred_day", "received_hour", "type", "events")
  SELECT "occurred_day", "received_hour", "type", sum("change")
    FROM (SELECT ("occurred_at" AT TIME ZONE 'UTC')::date AS "occurred_day",
                 date_trunc('hour', "received_at", 'UTC') AS "received_hour", "type", 1 AS "change"
            FROM updated_events
          UNION ALL
          SELECT ("occurred_at" AT TIME ZONE 'UTC')::date, date_trunc('hour', "received_at", 'UTC'), "type", -1
            FROM previous_events) moves
   GROUP BY 1, 2, 3
  HAVING sum("change") <> 0
   ORDER BY 1, 2, 3
  ON CONFLICT ("occurred_day", "received_hour", "type") DO UPDATE SET "events" = counts."events" + excluded."events";
  DELETE FROM "event_counts" counts
   USING (SELECT DISTINCT ("occurred_at" AT TIME ZONE 'UTC')::date AS "occurred_day",
                 date_trunc('hour', "received_at", 'UTC') AS "received_hour", "type"
            FROM previous_events) gone
   WHERE counts."occurred_day" = gone."occurred_day" AND counts."received_hour" = gone."received_hour"
     AND counts."type" = gone."type" AND counts."events" = 0;
  RETURN NULL;
END
$$;

CREATE TRIGGER "events_count_insert" AFTER INSERT ON "events"
  REFERENCING NEW TABLE AS inserted_events FOR EACH STATEMENT EXECUTE FUNCTION "event_counts_after_insert"();
CREATE TRIGGER "events_count_delete" AFTER DELETE ON "events"
  REFERENCING OLD TABLE AS deleted_events FOR EACH STATEMENT EXECUTE FUNCTION "event_counts_after_delete"();
CREATE TRIGGER "events_count_update" AFTER UPDATE ON "events"
  REFERENCING OLD TABLE AS previous_events NEW TABLE AS updated_events FOR EACH STATEMENT EXECUTE FUNCTION "event_counts_after_update"();
CREATE TRIGGER "events_count_truncate" AFTER TRUNCATE ON "events"
  FOR EACH STATEMENT EXECUTE FUNCTION "event_counts_after_truncate"();

-- One-time fill. CREATE TRIGGER above holds a lock that blocks writes to "events" until this
-- migration commits, so no event is both counted here and by a trigger, or missed by both.
INSERT INTO "event_counts" ("occurred_day", "received_hour", "type", "events")
SELECT ("occurred_at" AT TIME ZONE 'UTC')::date, date_trunc('hour', "received_at", 'UTC'), "type", count(*)
  FROM "events"
 GROUP BY 1, 2, 3;
