// Where backfill and reconcile read from and write to: Retool's API and the database, from the
// stack (--stack) or from flags and environment variables. Secrets come only from flags or the
// environment: the stack file holds them encrypted, and only `pulumi` can decrypt them.
import { Command } from "commander";
import type { ClientConfig } from "pg";
import { PgConnection, describeConnection, pgClientConfig } from "../../infra/providers/pgConnection";
import { RetoolClientOptions } from "../../infra/providers/retool/retoolClient";
import { UsageError, wholeNumber } from "./cli";
import { stackSettingsFromFile } from "./stackSettingsFromFile";

export interface SyncTargetOptions {
  stack?: string;
  retoolUrl?: string;
  retoolToken?: string;
  databaseUrl?: string;
  /** Already parsed by the option's wholeNumber(0). */
  rateLimit?: number;
}

export interface SyncTarget {
  retool: RetoolClientOptions;
  database: ClientConfig;
  /** For messages and the progress key: never a secret. */
  retoolUrl: string;
  databaseLabel: string;
}

/** The flags both commands take. */
export function addTargetOptions(program: Command): Command {
  return program
    .option("-s, --stack <name>", "read the Retool URL and database from Pulumi.<name>.yaml")
    .option("--retool-url <url>", "Retool origin, e.g. https://acme.retool.com (env RETOOL_URL)")
    .option("--retool-token <token>", "Retool API token with users:read (env RETOOL_API_TOKEN; prefer the env var, flags show in ps)")
    .option("--database-url <url>", "postgres://user:password@host:port/db?sslmode=require (env DATABASE_URL)")
    .option("--rate-limit <perMinute>", "Retool API requests per minute; 0 for none (default: the stack's retool.rateLimitPerMinute, else 45)", wholeNumber(0));
}

function fromUrl(url: string): ClientConfig & { label: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError("--database-url / DATABASE_URL is not a URL; expected postgres://user:password@host:5432/db?sslmode=require");
  }
  if (!/^postgres(ql)?:$/.test(u.protocol)) throw new UsageError("--database-url / DATABASE_URL must start with postgres://");
  const sslmode = (u.searchParams.get("sslmode") ?? "require") as PgConnection["sslmode"];
  const c: PgConnection = {
    host: u.hostname,
    port: Number(u.port || 5432),
    database: decodeURIComponent(u.pathname.replace(/^\//, "")),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    sslmode,
  };
  return { ...pgClientConfig(c), label: describeConnection(c) };
}

export function resolveTarget(o: SyncTargetOptions, env: NodeJS.ProcessEnv = process.env): SyncTarget {
  const settings = o.stack ? stackSettingsFromFile(o.stack).settings : undefined;
  const retoolUrl = (o.retoolUrl ?? env.RETOOL_URL ?? settings?.retool.url)?.replace(/\/+$/, "");
  if (!retoolUrl) throw new UsageError("No Retool URL: pass --retool-url, set RETOOL_URL, or use --stack with retool.url set.");
  const token = o.retoolToken ?? env.RETOOL_API_TOKEN;
  if (!token) throw new UsageError("No Retool API token: set RETOOL_API_TOKEN (a token with the users:read scope, from Settings > API).");
  let database: ClientConfig & { label: string };
  const url = o.databaseUrl ?? env.DATABASE_URL;
  if (url) database = fromUrl(url);
  else if (settings) {
    const password = env.PGPASSWORD;
    if (!password) throw new UsageError(`No database password: set PGPASSWORD for ${settings.database.adminUser}, or pass DATABASE_URL.`);
    const c: PgConnection = { host: settings.database.host, port: settings.database.port, database: settings.database.name, user: settings.database.adminUser, password, sslmode: settings.database.sslmode };
    database = { ...pgClientConfig(c), label: describeConnection(c) };
  } else throw new UsageError("No database: pass --database-url, set DATABASE_URL, or use --stack.");
  const rate = o.rateLimit ?? settings?.retool.rateLimitPerMinute ?? 45;
  const { label, ...pg } = database;
  return {
    retool: { url: retoolUrl, token, rateLimitPerMinute: rate, tokenHint: "set RETOOL_API_TOKEN to a token with the users:read scope" },
    database: pg,
    retoolUrl,
    databaseLabel: label,
  };
}
