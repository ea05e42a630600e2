// One embedded Postgres for the whole suite, in a throwaway folder; each test file makes its own
// database in it.
import { startEmbeddedPostgres } from "../../ops/postgres/embeddedPostgres";
import { freePort } from "../../ops/postgres/freePort";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdmin: { host: string; port: number; user: string; password: string };
  }
}

// vitest/node is ESM-only; this import type form lets a CommonJS project name its types.
type TestProject = import("vitest/node", { with: { "resolution-mode": "import" }}).TestProject;

export default async function setup(project: TestProject) {
  const pg = await startEmbeddedPostgres({ port: await freePort(), password: "test-admin-password" });
  project.provide("pgAdmin", { host: pg.connection.host, port: pg.connection.port, user: pg.connection.user, password: pg.connection.password });
  return () => pg.stop();
}
