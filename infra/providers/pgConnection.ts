// How the program and the scripts connect to the team's Postgres as the admin user.
import type { Client, ClientConfig } from "pg";

/** libpq's sslmode values (a stack's database.sslmode takes the four the Postgres provider knows). */
export const LIBPQ_SSLMODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
export type LibpqSslMode = (typeof LIBPQ_SSLMODES)[number];

export interface PgConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  sslmode: LibpqSslMode;
}

/**
 * libpq's sslmode in node-postgres terms. node-postgres cannot try one way and fall back to the
 * other, so allow connects without SSL and prefer with it (unchecked), as libpq tries first;
 * require encrypts without checking the certificate; verify-* check it against the system's CAs
 * (NODE_EXTRA_CA_CERTS adds a private CA), verify-full also the host name.
 */
export function sslOptions(sslmode: LibpqSslMode): ClientConfig["ssl"] {
  switch (sslmode) {
    case "disable":
    case "allow":
      return false;
    case "prefer":
    case "require":
      return { rejectUnauthorized: false };
    case "verify-ca":
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case "verify-full":
      return { rejectUnauthorized: true };
  }
}

export function pgClientConfig(c: PgConnection): ClientConfig {
  const ssl = sslOptions(c.sslmode);
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
  const host = c.host.includes(":") ? `[${c.host}]` : c.host;
  return `${c.user}@${host}:${c.port}/${c.database}`;
}

/** A failed connection, said with what to do where the cause is known; never the password. */
export function connectionFailure(c: PgConnection, e: unknown): string {
  const said = (e as Error).message;
  const fix = /does not support SSL/i.test(said)
    ? " The server takes no SSL connections: use sslmode=disable (fine for a local server), or turn SSL on in the server."
    : /self[- ]signed|unable to verify|certificate/i.test(said)
      ? " The server's certificate did not verify: add its CA with NODE_EXTRA_CA_CERTS, or use sslmode=require to encrypt without checking it."
      : "";
  return `Cannot connect to ${describeConnection(c)}: ${said}.${fix}`;
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
