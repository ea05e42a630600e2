// A fresh database per test file, on the suite's embedded Postgres, plus helpers to run SQL.
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { inject } from "vitest";
import type { PgConnection } from "../../infra/providers/pgConnection";
import { pgClientConfig } from "../../infra/providers/pgConnection";

export function adminConnection(database = "postgres"): PgConnection {
  const a = inject("pgAdmin");
  return { host: a.host, port: a.port, database, user: a.user, password: a.password, sslmode: "disable" };
}

export async function connect(c: PgConnection): Promise<Client> {
  const client = new Client(pgClientConfig(c));
  await client.connect();
  return client;
}

/** Creates an empty database and returns the admin connection to it. */
export async function freshDatabase(prefix = "t"): Promise<PgConnection> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  const root = await connect(adminConnection());
  try {
    await root.query(`CREATE DATABASE "${name}"`);
  } finally {
    await root.end();
  }
  return adminConnection(name);
}

/** Roles are cluster-wide, shared by every test file, so they share one password too. */
export const ROLE_PASSWORD = "role-test-password";

/** Creates a login role as `pulumi up` would (through @pulumi/postgresql's Role). */
export async function createLoginRole(c: PgConnection, name: string, password = ROLE_PASSWORD): Promise<void> {
  const client = await connect(c);
  try {
    // Roles are cluster-wide and test files run in parallel: another file may create it first.
    await client.query(`DO $r$ BEGIN
      EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', '${name}', '${password}');
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $r$`);
  } finally {
    await client.end();
  }
}
