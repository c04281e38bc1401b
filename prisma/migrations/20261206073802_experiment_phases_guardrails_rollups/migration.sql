-- DropIndex
DROP INDEX "exposures_experiment_id_unit_id_key";

-- AlterTable
ALTER TABLE "experiments" ADD COLUMN     "forced" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "guardrails" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "layer_end" DOUBLE PRECISION,
ADD COLUMN     "layer_key" TEXT,
ADD COLUMN     "layer_start" DOUBLE PRECISION,
ADD COLUMN     "phase" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "phase_started_at" TIMESTAMPTZ(3),
ADD COLUMN     "ramp_up" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "unit" TEXT NOT NULL DEFAULT 'userId';

-- AlterTable
ALTER TABLE "experiment_variants" ADD COLUMN     "stop_reason" TEXT,
ADD COLUMN     "stopped_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "exposures" ADD COLUMN     "phase" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "pre_period" JSONB,
ADD COLUMN     "user_id" TEXT;

-- Existing exposures were all of user-id units, in phase 1 (hand-added: backfill, then NOT NULL).
UPDATE "exposures" SET "user_id" = "unit_id";
ALTER TABLE "exposures" ALTER COLUMN "user_id" SET NOT NULL;
UPDATE "experiments" SET "phase_started_at" = "started_at" WHERE "started_at" IS NOT NULL;

-- CreateTable
CREATE TABLE "experiment_unit_days" (
    "experiment_id" TEXT NOT NULL,
    "phase" INTEGER NOT NULL,
    "unit_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "variant_id" TEXT NOT NULL,
    "impressions" INTEGER NOT NULL DEFAULT 0,
    "clicks" INTEGER NOT NULL DEFAULT 0,
    "likes" INTEGER NOT NULL DEFAULT 0,
    "watch_seconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "purchases" INTEGER NOT NULL DEFAULT 0,
    "revenue" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "negative_feedback" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "experiment_unit_days_pkey" PRIMARY KEY ("experiment_id","phase","unit_id","day")
);

-- CreateTable
CREATE TABLE "experiment_variant_items" (
    "experiment_id" TEXT NOT NULL,
    "phase" INTEGER NOT NULL,
    "variant_id" TEXT NOT NULL,
    "item_id" TEXT NOT NULL,

    CONSTRAINT "experiment_variant_items_pkey" PRIMARY KEY ("experiment_id","phase","variant_id","item_id")
);

-- CreateTable
CREATE TABLE "experiment_source_clicks" (
    "experiment_id" TEXT NOT NULL,
    "phase" INTEGER NOT NULL,
    "variant_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "clicks" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "experiment_source_clicks_pkey" PRIMARY KEY ("experiment_id","phase","variant_id","source")
);

-- CreateTable
CREATE TABLE "experiment_serving_minutes" (
    "experiment_id" TEXT NOT NULL,
    "phase" INTEGER NOT NULL,
    "variant_id" TEXT NOT NULL,
    "bucket_start" TIMESTAMPTZ(3) NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "degraded" INTEGER NOT NULL DEFAULT 0,
    "errors" INTEGER NOT NULL DEFAULT 0,
    "latency_counts" INTEGER[],

    CONSTRAINT "experiment_serving_minutes_pkey" PRIMARY KEY ("experiment_id","phase","variant_id","bucket_start")
);

-- CreateIndex
CREATE INDEX "experiment_unit_days_experiment_id_phase_variant_id_idx" ON "experiment_unit_days"("experiment_id", "phase", "variant_id");

-- CreateIndex
CREATE INDEX "exposures_user_id_idx" ON "exposures"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "exposures_experiment_id_phase_unit_id_key" ON "exposures"("experiment_id", "phase", "unit_id");

