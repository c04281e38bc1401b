-- CreateTable
CREATE TABLE "experiment_exposure_days" (
    "experiment_id" TEXT NOT NULL,
    "phase" INTEGER NOT NULL,
    "unit_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "variant_id" TEXT NOT NULL,

    CONSTRAINT "experiment_exposure_days_pkey" PRIMARY KEY ("experiment_id","phase","unit_id","day")
);

-- CreateIndex
CREATE INDEX "experiment_exposure_days_experiment_id_phase_day_idx" ON "experiment_exposure_days"("experiment_id", "phase", "day");

