// Prisma CLI configuration. `engine: "js"` with the pg driver adapter lets `prisma migrate diff`
// run on Prisma's WebAssembly schema engine, so no native engine is downloaded (offline machines).
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres" }),
});
