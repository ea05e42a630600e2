// A fresh database per test file, on the suite's embedded Postgres, plus helpers to run SQL.
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { inject } from "vitest";
import type { StackSettings } from "../../infra/config/schema";
import type { PgConnection } from "../../infra/providers/pgConnection";
import { pgClientConfig } from "../../infra/providers/pgConnection";
import { createLoginRoles } from "../../ops/postgres/loginRoles";

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

/** Creates the stack's Retool login roles as `pulumi up` would (limits included). */
export async function createStackRoles(c: PgConnection, settings: StackSettings): Promise<void> {
  const client = await connect(c);
  try {
    await createLoginRoles(client, settings, ROLE_PASSWORD);
  } finally {
    await client.end();
  }
}
