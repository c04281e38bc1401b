-- CreateIndex
CREATE INDEX "events_received_at_idx" ON "events" USING BRIN ("received_at");

