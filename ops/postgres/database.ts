// The scripts' database connection: bounded, and safe when the server goes away between queries.
import { Client } from "pg";
import { connectionFailure, type PgConnection, pgClientConfig } from "../../infra/providers/pgConnection";

/** Longest statement a script runs (one page of sync_users takes milliseconds). */
export const SCRIPT_STATEMENT_TIMEOUT_MS = 120_000;

export class DatabaseUnavailable extends Error {}

/** connectTimeoutMs: a shorter wait for the connection than pgClientConfig's, for a quick probe. */
export async function connectDatabase(conn: PgConnection, { connectTimeoutMs }: { connectTimeoutMs?: number } = {}): Promise<Client> {
  const client = new Client({
    ...pgClientConfig(conn),
    ...(connectTimeoutMs === undefined ? {} : { connectionTimeoutMillis: connectTimeoutMs }),
    statement_timeout: SCRIPT_STATEMENT_TIMEOUT_MS,
    query_timeout: SCRIPT_STATEMENT_TIMEOUT_MS + 10_000,
  });
  // A connection that dies between queries emits 'error'; with no listener Node would crash with
  // a stack trace. The next query fails instead, and the caller reports it with its summary.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new DatabaseUnavailable(connectionFailure(conn, e));
  }
  return client;
}
