// postgres:// URLs (DATABASE_URL, --database-url), read with pg-connection-string and held to
// libpq's sslmode values: a typo is an error, never a silent default.
import { parse } from "pg-connection-string";
import { LIBPQ_SSLMODES, LibpqSslMode, PgConnection } from "../../infra/providers/pgConnection";
import { UsageError } from "./cli";

/** `where` names the flag or variable the URL came from, for the message. */
export function parseDatabaseUrl(url: string, where: string): PgConnection {
  const example = "postgres://user:password@host:5432/database?sslmode=require";
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`${where} must be a postgres:// URL, like ${example}.`);
  let parts: ReturnType<typeof parse>;
  try {
    parts = parse(url);
  } catch (e) {
    throw new UsageError(`${where} is not a URL pg can read (${(e as Error).message}); expected ${example}.`);
  }
  const sslmode = (parts.sslmode ?? "require") as LibpqSslMode;
  if (!LIBPQ_SSLMODES.includes(sslmode)) {
    throw new UsageError(`${where} has sslmode=${sslmode}; use one of ${LIBPQ_SSLMODES.join(", ")} (as libpq; sslmode=disable for a local server without SSL).`);
  }
  if (!parts.host || !parts.database) throw new UsageError(`${where} needs a host and a database, like ${example}.`);
  const port = parts.port ? Number(parts.port) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${where} has port ${parts.port}; expected 1-65535.`);
  return { host: parts.host, port, database: parts.database, user: parts.user ?? "", password: parts.password ?? "", sslmode };
}
