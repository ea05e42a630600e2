// One embedded Postgres for the whole suite; each test file makes its own database in it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestProject } from "vitest/node" with { "resolution-mode": "import" };
import { startEmbeddedPostgres } from "../../scripts/lib/embeddedPostgres";
import { freePort } from "../../scripts/lib/freePort";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdmin: { host: string; port: number; user: string; password: string };
  }
}

export default async function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rus-test-pg-"));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), port: await freePort(), password: "test-admin-password" });
  project.provide("pgAdmin", {
    host: pg.connection.host,
    port: pg.connection.port,
    user: pg.connection.user,
    password: pg.connection.password,
  });
  return async () => {
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
