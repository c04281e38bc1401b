-- CreateIndex
CREATE INDEX "items_updated_at_idx" ON "items"("updated_at");
