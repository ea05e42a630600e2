// One embedded Postgres for the whole suite, in a throwaway folder; each test file makes its own
// database in it. Every temporary folder of the run (the tests', the scripts' they spawn, the
// Postgres data) goes under one folder of the run's own, removed at the end, so `npm test` leaves
// nothing behind in the system's temporary folder.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
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
  const systemTmp = os.tmpdir();
  const runTmp = fs.mkdtempSync(path.join(systemTmp, "rus-test-run-"));
  // Made just now, by us: others may pass through (not list it), as the postgres OS user must
  // when the suite runs as root.
  fs.chmodSync(runTmp, 0o711);
  // Set before any worker starts, so each worker and every process it spawns inherits it.
  process.env.TMPDIR = runTmp;
  const pg = await startEmbeddedPostgres({ port: await freePort(), password: "test-admin-password" });
  project.provide("pgAdmin", { host: pg.connection.host, port: pg.connection.port, user: pg.connection.user, password: pg.connection.password });
  return async () => {
    try {
      await pg.stop();
    } finally {
      process.env.TMPDIR = systemTmp;
      fs.rmSync(runTmp, { recursive: true, force: true });
    }
  };
}
