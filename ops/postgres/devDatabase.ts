// The dev stack's embedded Postgres: data in .data/postgres (kept between runs; as root, where the
// postgres OS user cannot reach it, under /var/lib/retool-user-sync instead, and it says so),
// started with the port, database and admin user that Pulumi.dev.yaml names.
import * as path from "node:path";
import { Client } from "pg";
import type { StackSettings } from "../../infra/config/schema";
import { pgClientConfig } from "../../infra/providers/pgConnection";
import { PROJECT_DIR } from "../cli/cli";
import { type RunningPostgres, startEmbeddedPostgres } from "./embeddedPostgres";

/** Only ever used for the local embedded database; never for a real server. */
export const DEV_ADMIN_PASSWORD = "dev-only-embedded-postgres-password";

export function devDataDir(): string {
  return process.env.RUS_DEV_DATA_DIR ? path.resolve(process.env.RUS_DEV_DATA_DIR) : path.join(PROJECT_DIR, ".data", "postgres");
}

export function isEmbeddedTarget(settings: StackSettings): boolean {
  return ["127.0.0.1", "localhost"].includes(settings.database.host);
}

export async function startDevDatabase(settings: StackSettings, log: (line: string) => void): Promise<RunningPostgres> {
  const db = settings.database;
  log(`Starting the embedded Postgres on port ${db.port}...`);
  const pg = await startEmbeddedPostgres({ dataDir: devDataDir(), port: db.port, user: db.adminUser, password: DEV_ADMIN_PASSWORD, log });
  const client = new Client(pgClientConfig(pg.connection));
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [db.name]);
    if (!exists.rowCount) {
      await client.query(`CREATE DATABASE "${db.name}"`);
      log(`Created database ${db.name}.`);
    }
  } finally {
    await client.end();
  }
  log(`Embedded Postgres ready: ${db.adminUser}@127.0.0.1:${db.port}/${db.name} (data in ${pg.dataDir})`);
  return pg;
}
