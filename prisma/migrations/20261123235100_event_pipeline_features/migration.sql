-- CreateTable
CREATE TABLE "metric_rollup_users" (
    "surface" TEXT NOT NULL,
    "experiment_key" TEXT NOT NULL DEFAULT '',
    "variant_key" TEXT NOT NULL DEFAULT '',
    "bucket_start" TIMESTAMPTZ(3) NOT NULL,
    "user_id" TEXT NOT NULL,

    CONSTRAINT "metric_rollup_users_pkey" PRIMARY KEY ("surface","experiment_key","variant_key","bucket_start","user_id")
);

-- CreateTable
CREATE TABLE "served_feature_log" (
    "id" BIGSERIAL NOT NULL,
    "request_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "item_id" TEXT NOT NULL,
    "surface" TEXT NOT NULL,
    "served_at" TIMESTAMPTZ(3) NOT NULL,
    "features" JSONB NOT NULL,
    "model_version" TEXT,

    CONSTRAINT "served_feature_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "skew_reports" (
    "id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "window_end" TIMESTAMPTZ(3) NOT NULL,
    "sample_size" INTEGER NOT NULL,
    "features" JSONB NOT NULL,
    "flagged" BOOLEAN NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "skew_reports_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "served_feature_log_served_at_idx" ON "served_feature_log"("served_at");

-- CreateIndex
CREATE INDEX "served_feature_log_request_id_idx" ON "served_feature_log"("request_id");

-- CreateIndex
CREATE INDEX "skew_reports_created_at_idx" ON "skew_reports"("created_at");

