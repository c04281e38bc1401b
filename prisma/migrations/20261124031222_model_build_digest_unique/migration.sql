-- CreateIndex
CREATE UNIQUE INDEX "model_versions_kind_build_digest_key" ON "model_versions"("kind", "build_digest");
