// Where backfill and reconcile read from and write to: Retool's API and the database, from flags,
// the environment or the stack (--stack), in that order. Secrets come only from flags or the
// environment: the stack file holds them encrypted, and only `pulumi` can decrypt them.
import type { Command } from "commander";
import { describeConnection, type PgConnection } from "../../infra/providers/pgConnection";
import type { RetoolClientOptions } from "../../infra/providers/retool/retoolClient";
import { PROJECT_DIR, UsageError, wholeNumber } from "./cli";
import { parseDatabaseUrl } from "./databaseUrl";
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
  database: PgConnection;
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

/** Flags win over the environment, which wins over the stack file. */
export function resolveTarget(o: SyncTargetOptions, env: NodeJS.ProcessEnv = process.env, projectDir = PROJECT_DIR): SyncTarget {
  const settings = o.stack ? stackSettingsFromFile(o.stack, projectDir).settings : undefined;
  const retoolUrl = (o.retoolUrl ?? env.RETOOL_URL ?? settings?.retool.url)?.replace(/\/+$/, "");
  if (!retoolUrl) throw new UsageError("No Retool URL: pass --retool-url, set RETOOL_URL, or use --stack with retool.url set.");
  const token = o.retoolToken ?? env.RETOOL_API_TOKEN;
  if (!token) throw new UsageError("No Retool API token: set RETOOL_API_TOKEN (a token with the users:read scope, from Settings > API).");
  let database: PgConnection;
  if (o.databaseUrl) database = parseDatabaseUrl(o.databaseUrl, "--database-url");
  else if (env.DATABASE_URL) database = parseDatabaseUrl(env.DATABASE_URL, "DATABASE_URL");
  else if (settings) {
    const password = env.PGPASSWORD;
    if (!password) throw new UsageError(`No database password: set PGPASSWORD for ${settings.database.adminUser}, or pass DATABASE_URL.`);
    const d = settings.database;
    database = { host: d.host, port: d.port, database: d.name, user: d.adminUser, password, sslmode: d.sslmode };
  } else throw new UsageError("No database: pass --database-url, set DATABASE_URL, or use --stack.");
  const rate = o.rateLimit ?? settings?.retool.rateLimitPerMinute ?? 45;
  return {
    retool: { url: retoolUrl, token, rateLimitPerMinute: rate, tokenHint: "set RETOOL_API_TOKEN to a token with the users:read scope" },
    database,
    retoolUrl,
    databaseLabel: describeConnection(database),
  };
}
