-- CreateTable
CREATE TABLE "item_engagement" (
    "half_life_ms" BIGINT NOT NULL,
    "item_id" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "events" INTEGER NOT NULL,
    "last_event_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "item_engagement_pkey" PRIMARY KEY ("half_life_ms","item_id")
);

-- CreateTable
CREATE TABLE "engagement_bases" (
    "half_life_ms" BIGINT NOT NULL,
    "base_at" TIMESTAMPTZ(3),

    CONSTRAINT "engagement_bases_pkey" PRIMARY KEY ("half_life_ms")
);

-- CreateIndex
CREATE INDEX "item_engagement_half_life_ms_score_idx" ON "item_engagement"("half_life_ms", "score" DESC);


-- Hand-written below (Prisma cannot declare functions or triggers).
--
-- An event's weight (apps/engine/src/sources/popularityScore.ts, engagementWeight: ENGAGEMENT_WEIGHTS,
-- and ratings scored from their value around the neutral 5, 2.5 points per unit; an integration
-- test checks the two agree).
CREATE FUNCTION "engagement_weight"("type" "EventType", "value" DOUBLE PRECISION) RETURNS DOUBLE PRECISION
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE "type"
    WHEN 'click' THEN 1 WHEN 'like' THEN 2 WHEN 'share' THEN 3 WHEN 'watch' THEN 3 WHEN 'purchase' THEN 5
    WHEN 'dislike' THEN -3 WHEN 'hide' THEN -5
    WHEN 'rating' THEN (coalesce("value", 5) - 5) / 2.5
    ELSE 0 END::double precision
$$;

-- 2^((t − base) / half-life), the exponent clamped to ±900 so float8 never overflows, and a weight
-- times it never underflows (PostgreSQL raises an error on underflow); rebases keep real exponents
-- far inside that; only events ~900 half-lives from the base are flattened, and the lists' windows
-- leave those out anyway.
CREATE FUNCTION "engagement_growth"("at" TIMESTAMPTZ, "base_at" TIMESTAMPTZ, "half_life_ms" BIGINT) RETURNS DOUBLE PRECISION
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT power(2::float8, greatest(-900::float8, least(900::float8, extract(epoch FROM ("at" - "base_at"))::float8 * 1000 / "half_life_ms")))
$$;

-- score × 2^((from − to) / half-life), computed on the logarithm so it never overflows or raises
-- an underflow error: what would fall below 2^-1000 is 0 (rebasing, and reading scores as of a time).
CREATE FUNCTION "engagement_rescaled"("score" DOUBLE PRECISION, "from_at" TIMESTAMPTZ, "to_at" TIMESTAMPTZ, "half_life_ms" BIGINT) RETURNS DOUBLE PRECISION
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN "score" = 0 THEN 0::float8 ELSE (
    SELECT CASE WHEN x.e < -1000 THEN 0::float8 ELSE sign("score") * power(2::float8, least(x.e, 1000::float8)) END
      FROM (SELECT ln(abs("score")) / ln(2::float8) + extract(epoch FROM ("from_at" - "to_at"))::float8 * 1000 / "half_life_ms" AS e) x
  ) END
$$;

-- Events stamped more than 5 minutes ahead of the database's clock count as if at that horizon: a
-- bogus future timestamp (2230) must neither outweigh every real event nor drag the base (and so
-- every score) into its era. Ingestion refuses such timestamps too; this holds whatever got in.
CREATE FUNCTION "engagement_horizon"() RETURNS TIMESTAMPTZ LANGUAGE sql STABLE AS $$
  SELECT now() + interval '5 minutes'
$$;

-- A time capped at the horizon; null stays null (LEAST would ignore it and answer the horizon).
CREATE FUNCTION "engagement_capped"("at" TIMESTAMPTZ) RETURNS TIMESTAMPTZ LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN "at" IS NULL THEN NULL ELSE least("at", "engagement_horizon"()) END
$$;

-- The statement that adds (sign 1) or removes (sign -1) the contributions of the events in
-- `relation` (a trigger's transition table, or "events" for the one-time fill) for every kept
-- half-life. Built as text and run by EXECUTE inside the trigger function, the only place its
-- transition tables are visible. Lock order: the base rows (FOR SHARE; a rebase takes them FOR
-- UPDATE, so it waits for writers and writers wait for it), then item rows in key order, so
-- concurrent statements wait instead of deadlocking.
CREATE FUNCTION "item_engagement_sql"("relation" TEXT, "sign" INT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    INSERT INTO "item_engagement" AS g ("half_life_ms", "item_id", "score", "events", "last_event_at")
    SELECT b."half_life_ms", c."item_id",
           %2$s * sum("engagement_weight"(c."type", c."value") * "engagement_growth"(least(c."occurred_at", "engagement_horizon"()), b."base_at", b."half_life_ms")),
           %2$s * count(*)::int, max(least(c."occurred_at", "engagement_horizon"()))
      FROM %1$I c
     CROSS JOIN (SELECT "half_life_ms", "base_at" FROM "engagement_bases" WHERE "base_at" IS NOT NULL ORDER BY "half_life_ms" FOR SHARE) b
     WHERE c."type" <> 'impression'
     GROUP BY 1, 2
     ORDER BY 1, 2
    ON CONFLICT ("half_life_ms", "item_id") DO UPDATE SET
      "score" = g."score" + excluded."score",
      "events" = g."events" + excluded."events",
      "last_event_at" = greatest(g."last_event_at", excluded."last_event_at")$sql$, "relation", "sign")
$$;

-- A half-life with no base yet takes the newest inserted event as its base first, so a historical
-- log (MovieLens, 1998) gets a base in its own era.
CREATE FUNCTION "engagement_bases_sql"("relation" TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$UPDATE "engagement_bases" SET "base_at" = (SELECT "engagement_capped"(max("occurred_at")) FROM %1$I WHERE "type" <> 'impression')
                      WHERE "base_at" IS NULL$sql$, "relation")
$$;

-- Moves a half-life's base forward to `to`, rescaling its scores by the same factor (ordering
-- unchanged). Takes the base row FOR UPDATE first: writers hold it FOR SHARE while they add, so a
-- rebase waits for them and they for it.
CREATE FUNCTION "engagement_rebase"("half_life" BIGINT, "to_at" TIMESTAMPTZ) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
  "from_at" TIMESTAMPTZ;
BEGIN
  SELECT "base_at" INTO "from_at" FROM "engagement_bases" WHERE "half_life_ms" = "half_life" FOR UPDATE;
  IF "from_at" IS NULL OR "to_at" <= "from_at" THEN RETURN; END IF;
  -- Rows with no event in the last 60 half-lives count for ≤ 2^-60 of their weight: they go.
  DELETE FROM "item_engagement" WHERE "half_life_ms" = "half_life" AND "last_event_at" < "to_at" - "half_life" * 60 * interval '1 millisecond';
  UPDATE "item_engagement" SET "score" = "engagement_rescaled"("score", "from_at", "to_at", "half_life") WHERE "half_life_ms" = "half_life";
  UPDATE "engagement_bases" SET "base_at" = "to_at" WHERE "half_life_ms" = "half_life";
END
$$;

CREATE FUNCTION "item_engagement_on_events"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  "newest" TIMESTAMPTZ;
  "due" RECORD;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE "item_engagement";
    UPDATE "engagement_bases" SET "base_at" = NULL;
    RETURN NULL;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    EXECUTE "item_engagement_sql"('old_events', -1);
    -- A row whose events are all gone goes (its score is only rounding residue by then).
    DELETE FROM "item_engagement" WHERE "events" <= 0;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    EXECUTE "engagement_bases_sql"('new_events');
    -- Events far ahead of a base (a quiet month, a newer log loaded into an old database) would
    -- overflow its powers of two: rebase to them first (checked without a lock, then locked).
    EXECUTE $sql$SELECT "engagement_capped"(max("occurred_at")) FROM new_events WHERE "type" <> 'impression'$sql$ INTO "newest";
    FOR "due" IN SELECT "half_life_ms" FROM "engagement_bases"
                  WHERE "base_at" IS NOT NULL AND "newest" - "base_at" > "half_life_ms" * 200 * interval '1 millisecond' ORDER BY "half_life_ms" LOOP
      PERFORM "engagement_rebase"("due"."half_life_ms", "newest");
    END LOOP;
    EXECUTE "item_engagement_sql"('new_events', 1);
  END IF;
  RETURN NULL;
EXCEPTION WHEN numeric_value_out_of_range THEN
  -- A derived list must never cost an event: should arithmetic still go out of range, the events are
  -- stored and this statement's engagement is skipped (logged; the log scan stays exact).
  RAISE WARNING 'item_engagement not updated for this statement: %', SQLERRM;
  RETURN NULL;
END
$$;

CREATE TRIGGER "events_engagement_insert" AFTER INSERT ON "events"
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION "item_engagement_on_events"();
CREATE TRIGGER "events_engagement_delete" AFTER DELETE ON "events"
  REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION "item_engagement_on_events"();
CREATE TRIGGER "events_engagement_update" AFTER UPDATE ON "events"
  REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION "item_engagement_on_events"();
CREATE TRIGGER "events_engagement_truncate" AFTER TRUNCATE ON "events"
  FOR EACH STATEMENT EXECUTE FUNCTION "item_engagement_on_events"();

-- The half-lives kept: popularity (3 days) and trending (6 hours), popularityScore.ts and
-- trendingSource.ts. One-time fill from the events already stored (CREATE TRIGGER above blocks
-- writes to "events" until this migration commits, so nothing is counted twice or missed).
INSERT INTO "engagement_bases" ("half_life_ms", "base_at") VALUES (259200000, NULL), (21600000, NULL);
DO $$
BEGIN
  EXECUTE "engagement_bases_sql"('events');
  EXECUTE "item_engagement_sql"('events', 1);
END
$$;
