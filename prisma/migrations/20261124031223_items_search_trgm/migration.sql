-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateIndex
CREATE INDEX "items_search_trgm_idx" ON "items" USING GIN ("id" gin_trgm_ops, "title" gin_trgm_ops, "category" gin_trgm_ops, "creator_id" gin_trgm_ops);
