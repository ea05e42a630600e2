import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The examples import the package by name, as a team's program does; here that name is the source.
  resolve: { alias: { "retool-user-sync": fileURLToPath(new URL("./infra/index.ts", import.meta.url)) } },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/globalPostgres.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only queue on the shared Postgres.
    maxWorkers: 2,
  },
});
