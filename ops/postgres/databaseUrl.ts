// postgres:// URLs (DATABASE_URL, --database-url), read with pg-connection-string and held to
// libpq's sslmode values: a typo is an error, never a silent default.
import { parse } from "pg-connection-string";
import { LIBPQ_SSLMODES, type LibpqSslMode, type PgConnection } from "../../infra/providers/pgConnection";
import { UsageError } from "../cli/cli";

const EXAMPLE = "postgres://user:password@host:5432/database?sslmode=require";
/** Parameters that name files; these scripts take a private CA through NODE_EXTRA_CA_CERTS instead. */
const FILE_PARAMS = ["sslrootcert", "sslcert", "sslkey"];

/** `where` names the flag or variable the URL came from, for the message. */
export function parseDatabaseUrl(url: string, where: string): PgConnection {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`${where} must be a postgres:// URL, like ${EXAMPLE}.`);
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch (e) {
    throw new UsageError(`${where} is not a URL (${(e as Error).message}); expected ${EXAMPLE}.`);
  }
  const sslmode = (params.get("sslmode") ?? "require") as LibpqSslMode;
  if (!LIBPQ_SSLMODES.includes(sslmode)) {
    throw new UsageError(
      `${where} has sslmode=${sslmode}; use one of ${LIBPQ_SSLMODES.join(", ")} (as libpq; sslmode=disable for a local server without SSL).`,
    );
  }
  const files = FILE_PARAMS.filter((p) => params.has(p));
  if (files.length) {
    throw new UsageError(
      `${where} sets ${files.join(", ")}, which these scripts do not read; give a private CA with NODE_EXTRA_CA_CERTS=<file> and sslmode=verify-full.`,
    );
  }
  // sslmode is ours to map (pgConnection's sslOptions, as libpq means it); pg-connection-string
  // would map it its own way and warn, so it reads the URL without it.
  params.delete("sslmode");
  const rest = params.toString();
  const parts = parse(url.split("?")[0] + (rest ? `?${rest}` : ""));
  if (!parts.host || !parts.database) throw new UsageError(`${where} needs a host and a database, like ${EXAMPLE}.`);
  const port = parts.port ? Number(parts.port) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${where} has port ${parts.port}; expected 1-65535.`);
  return { host: parts.host, port, database: parts.database, user: parts.user ?? "", password: parts.password ?? "", sslmode };
}
