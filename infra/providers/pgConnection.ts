// How the program and the scripts connect to the team's Postgres as the admin user.
import type { Client, ClientConfig } from "pg";

export interface PgConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  sslmode: "disable" | "require" | "verify-ca" | "verify-full";
}

export function pgClientConfig(c: PgConnection): ClientConfig {
  // libpq's sslmode in node-postgres terms: require encrypts without checking the certificate;
  // verify-* check it against the system's CAs (NODE_EXTRA_CA_CERTS adds a private CA).
  const ssl =
    c.sslmode === "disable"
      ? false
      : c.sslmode === "require"
        ? { rejectUnauthorized: false }
        : c.sslmode === "verify-ca"
          ? { rejectUnauthorized: true, checkServerIdentity: () => undefined }
          : { rejectUnauthorized: true };
  return {
    host: c.host,
    port: c.port,
    database: c.database,
    user: c.user,
    password: c.password,
    ssl,
    application_name: "retool-user-sync",
    connectionTimeoutMillis: 15_000,
  };
}

/** host:port/database as user, for messages: never the password. */
export function describeConnection(c: Pick<PgConnection, "host" | "port" | "database" | "user">): string {
  return `${c.user}@${c.host}:${c.port}/${c.database}`;
}

/**
 * Runs work inside BEGIN ... COMMIT (or ROLLBACK, for a dry run); any error rolls back and is
 * passed on as it was.
 */
export async function withTransaction<T>(client: Pick<Client, "query">, work: () => Promise<T>, { rollback = false }: { rollback?: boolean } = {}): Promise<T> {
  await client.query("BEGIN");
  let result: T;
  try {
    result = await work();
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
  await client.query(rollback ? "ROLLBACK" : "COMMIT");
  return result;
}
